import { nginxTempPaths } from '../../../kit/runtime/local-engines.ts';
import { HEX_DIGITS, shardOf } from '../domain/id-shard.ts';
import { BODY_TOO_LARGE, MAX_BODY_BYTES } from '../domain/payment.ts';
import { keyForPeer } from './nginx-hash.ts';

/** The backends' JSON error, as an nginx string (inside it a backslash is written twice). */
const TOO_LARGE_JSON = JSON.stringify({ error: BODY_TOO_LARGE }).replaceAll('\\', '\\\\');

export interface NginxConfigOptions {
  port: number;
  /** The backends' unix sockets. */
  sockets: string[];
  /** Where nginx keeps its pid and temp files. */
  dir: string;
}

/**
 * nginx in front of the backend instances, over unix sockets. POST /payments goes to the instance of its
 * correlationId's shard (domain/id-shard.ts: the first hex digit, read from the body, in any letter case), so every
 * repeat of an id, however spelled, meets the instance that saw it, which answers for its shard without asking the
 * others. The route has to be a `hash`: only an upstream's balancer runs once the body has been read. Each digit
 * maps to a key that nginx's hash sends to its shard's instance first (nginx-hash.ts); a map's plain keys match
 * whatever the letter case, so "A" and "a" share one. Everything else (no such body) spreads round robin. An
 * instance that is down (being restarted) costs one refused connect on its unix socket, after which nginx tries
 * another, which asks Redis for that shard's ids: max_fails=0 keeps nginx from shunning it for 10 s afterwards,
 * so a restarted instance takes its share again at once, and two instances down one after the other never leave
 * nginx with none to try.
 */
export function nginxConfig({ port, sockets, dir }: NginxConfigOptions): string {
  const keys = sockets.map((_, i) => keyForPeer(i, sockets.length));
  const digitKeys = HEX_DIGITS.map((digit) => `    ${digit} ${keys[shardOf(digit, sockets.length) - 1]};`);
  return `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log stderr warn;
# Room for slow clients: each proxied request holds two connections, and a half-open one holds its slot until
# the timeouts below close it. The file limit is set here so it does not depend on the shell that started nginx.
worker_rlimit_nofile 20000;
events { worker_connections 8192; multi_accept on; }
http {
  access_log off;
  server_tokens off;
${nginxTempPaths(dir)}
  client_max_body_size ${MAX_BODY_BYTES};
  # Large enough that a payment body stays in memory, where the map below can read it.
  client_body_buffer_size ${MAX_BODY_BYTES};
  keepalive_requests 1000000;
  # Slow clients (slowloris): a header or body that does not arrive in time is dropped, and one address may
  # have at most 1,024 requests in progress at once (the contest's load test keeps up to ~600 VUs on one).
  # Past that a request is closed unanswered (444): an answer would first wait for the rest of its body.
  client_header_timeout 5s;
  client_body_timeout 5s;
  send_timeout 10s;
  limit_conn_zone $binary_remote_addr zone=per_address:1m;
  limit_conn per_address 1024;
  limit_conn_status 444;
  map $request_body $payment_digit {
    "~\\"correlationId\\"\\s*:\\s*\\"(?<digit>[0-9a-fA-F])[0-9a-fA-F-]{35}\\"" $digit;
    default "";
  }
  map $payment_digit $payment_key {
    default "";
${digitKeys.join('\n')}
  }
  upstream api {
    hash $payment_key;
${sockets.map((s) => `    server unix:${s} max_fails=0;`).join('\n')}
    keepalive 64;
  }
  server {
    listen ${port} backlog=4096;
    # A body over the limit gets the contract's JSON error, not nginx's HTML page.
    error_page 413 = @too_large;
    location / {
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass http://api;
    }
    location @too_large {
      default_type application/json;
      return 413 '${TOO_LARGE_JSON}';
    }
  }
}
`;
}
