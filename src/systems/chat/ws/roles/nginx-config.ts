import { nginxTempPaths } from '../../../../kit/runtime/local-engines.ts';

export interface ChatNginxOptions {
  port: number;
  /** The instances, as host:port. */
  servers: string[];
  /** Where nginx keeps its pid and temp files: a folder of the run, or /tmp in a read-only container. */
  dir: string;
  /** nginx stays in the foreground, as a supervised process does (a container's image says so itself). */
  foreground: boolean;
}

/**
 * nginx in front of the chat's instances, as the reference configures it: `ip_hash`, so that a client comes back
 * to the same instance; /ws with the Upgrade headers and 7-day timeouts, so that an idle WebSocket is not cut
 * (the server's pings keep it alive anyway); /health and / passed on. On one machine every client has the same
 * address, so ip_hash sends them all to one instance: open an instance's own port to reach another.
 */
export function chatNginxConfig({ port, servers, dir, foreground }: ChatNginxOptions): string {
  const forwarded = `      proxy_set_header Host $host;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`;
  return `worker_processes 1;
${foreground ? 'daemon off;\n' : ''}pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 4096; }
http {
  access_log off;
  server_tokens off;
${nginxTempPaths(dir)}
  upstream chat_servers {
    ip_hash;
${servers.map((server) => `    server ${server};`).join('\n')}
  }
  server {
    listen ${port};
    location /health {
      proxy_pass http://chat_servers;
      proxy_http_version 1.1;
${forwarded}
    }
    location /ws {
      proxy_pass http://chat_servers;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection "upgrade";
${forwarded}
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_connect_timeout 7d;
      proxy_send_timeout 7d;
      proxy_read_timeout 7d;
    }
    location / {
      proxy_pass http://chat_servers;
      proxy_http_version 1.1;
${forwarded}
    }
  }
}
`;
}
