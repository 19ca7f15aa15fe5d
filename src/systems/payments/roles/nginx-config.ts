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
 * everything else (no body) spreads at random.
 */
export function nginxConfig({ port, sockets, dir }: NginxConfigOptions): string {
  return `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 4096; multi_accept on; }
http {
  access_log off;
  server_tokens off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  client_max_body_size ${MAX_BODY_BYTES};
  # Large enough that a payment body stays in memory, where the map below can read it.
  client_body_buffer_size ${MAX_BODY_BYTES};
  keepalive_requests 1000000;
  map $request_body $payment_key {
    "~\\"correlationId\\"\\s*:\\s*\\"(?<id>[0-9a-fA-F-]{36})\\"" $id;
    default $request_id;
  }
  upstream api {
    hash $payment_key consistent;
${sockets.map((s) => `    server unix:${s};`).join('\n')}
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
