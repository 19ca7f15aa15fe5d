/**
 * The server nginx's `hash KEY;` (without `consistent`) tries first among `count` servers of equal weight, in the
 * order the upstream lists them: ((crc32(KEY) >> 16) & 0x7fff) mod count, as ngx_http_upstream_hash_module
 * computes it (compatible with Cache::Memcached). Numbered from 0.
 */
export function nginxHashPeer(key: string, count: number): number {
  return ((crc32(Buffer.from(key)) >>> 16) & 0x7fff) % count;
}

/** A key that nginx's hash sends first to server `index` (from 0) of `count`. */
export function keyForPeer(index: number, count: number): string {
  for (let n = 0; ; n++) {
    const key = `shard${index + 1}.${n}`;
    if (nginxHashPeer(key, count) === index) return key;
  }
}

const TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (IEEE), as nginx's ngx_crc32 and zlib compute it. */
function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
