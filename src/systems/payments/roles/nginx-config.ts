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
events { worker_connections 4096; multi_accept on; }
http {
  access_log off;
  server_tokens off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  client_max_body_size 16k;
  # Large enough that a payment body stays in memory, where the map below can read it.
  client_body_buffer_size 16k;
  keepalive_requests 1000000;
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
    location / {
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass http://api;
    }
  }
}
`;
}
