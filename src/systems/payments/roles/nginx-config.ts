import { nginxTempPaths } from '../../../kit/runtime/local-engines.ts';
import { BODY_TOO_LARGE, MAX_BODY_BYTES } from '../domain/payment.ts';

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
 * nginx in front of the backend instances, over unix sockets. POST /payments is routed by a hash of the
 * correlationId read from the body, so a duplicate always reaches the instance that saw the original;
 * everything else (no body) spreads at random. An instance that is down (being restarted) costs one refused
 * connect on its unix socket, after which nginx tries the next: max_fails=0 keeps nginx from shunning it for
 * 10 s afterwards, so a restarted instance takes its share again at once, and two instances down one after
 * the other never leave nginx with none to try.
 */
export function nginxConfig({ port, sockets, dir }: NginxConfigOptions): string {
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
  map $request_body $payment_key {
    "~\\"correlationId\\"\\s*:\\s*\\"(?<id>[0-9a-fA-F-]{36})\\"" $id;
    default $request_id;
  }
  upstream api {
    hash $payment_key consistent;
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
