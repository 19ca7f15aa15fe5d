export const CHAT_ZMQ_STYLES = `
tr.down td:not(.action), tr.unknown td:not(.action) { color: var(--muted); }
/* On a phone the clock and election figures give way, so that each server's Stop/Start stays on screen. */
@media (max-width: 30rem) { #servers .offset, #servers .rounds, #servers .elections { display: none; } }
.state.up { color: var(--ok); font-weight: 600; } .state.down { color: var(--bad); font-weight: 600; }
.role.coordinator { color: var(--star); font-weight: 600; }
form { display: flex; gap: .4rem; flex-wrap: wrap; margin: .4rem 0; } form input { flex: 1 1 8rem; min-width: 0; }
.cols { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 2.2fr); gap: 1rem; }
@media (max-width: 44rem) { .cols { grid-template-columns: minmax(0, 1fr); } }
ul.names { list-style: none; padding: 0; margin: 0; }
ul.names li { display: flex; justify-content: space-between; align-items: center; padding: .2rem 0; gap: .4rem; }
ul.names li > span { min-width: 0; overflow-wrap: anywhere; }
ul.names li.joined > span { font-weight: 600; }
ul.names li button { flex: none; }
#users li.online > span::before { content: '● '; color: var(--ok); }
#users li:not(.online) { color: var(--muted); }
#session { display: flex; gap: .6rem; align-items: center; justify-content: space-between; } #whoami { min-width: 0; overflow-wrap: anywhere; }
#logout { flex: none; }
#notice.error { color: var(--bad); } #notice.ok { color: var(--ok); }
#feed-status { font-size: .85rem; color: var(--muted); } #feed-status[data-state="live"] { color: var(--ok); }
ol#feed { list-style: none; padding: 0; margin: .4rem 0 0; max-height: 28rem; overflow-y: auto; }
ol#feed li { display: grid; grid-template-columns: minmax(0, auto) minmax(0, 1fr) auto auto; grid-template-areas: "where author time clock" "text text text text";
  gap: .1rem .6rem; padding: .35rem .2rem; border-bottom: 1px solid var(--line); align-items: baseline; }
ol#feed .where { grid-area: where; color: var(--accent); max-width: 12rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
ol#feed li[data-kind="dm"] .where { color: var(--star); }
ol#feed .author { grid-area: author; font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
ol#feed .text { grid-area: text; white-space: pre-wrap; overflow-wrap: anywhere; }
ol#feed time { grid-area: time; } ol#feed .clock { grid-area: clock; }
ol#feed time, ol#feed .clock { color: var(--muted); font-size: .85rem; font-variant-numeric: tabular-nums; }
`;

/** The ZeroMQ chat page's HTML: the servers' table with stop/start, and a chat panel with a live feed (its script fills them). */
export const CHAT_ZMQ_BODY = `<h1>Chat over ZeroMQ</h1>
<p class="lead">The FEI CC7261 topology, running in this process: a broker (ROUTER/DEALER) deals each request to one of three
servers, a proxy (XSUB/XPUB) carries publications, and a reference service hands out ranks. The servers replicate every
write, sync their clocks (Berkeley) and elect a coordinator (bully). Stop the coordinator and watch another take over;
start it again and watch it catch up.</p>

<h2>Servers</h2>
<p id="coordinator">coordinator: …</p>
<div class="scroll"><table id="servers">
  <thead><tr><th>name</th><th>rank</th><th>role</th><th>state</th><th class="num">ops held</th><th class="num offset">clock offset ms</th><th class="num rounds">Berkeley rounds</th><th class="num elections">elections</th><th></th></tr></thead>
  <tbody></tbody>
</table></div>
<p class="hint"><span id="counts"></span> <span id="lists-error"></span></p>

<h2>Chat</h2>
<div class="cols">
  <div class="panel">
    <form id="login-form"><input id="user" placeholder="your name" maxlength="64" autocomplete="off" aria-label="your name"><button id="login">Log in</button></form>
    <p id="session" class="hint"><span id="whoami">not logged in</span> <button id="logout" type="button" class="secondary" hidden>Log out</button></p>
    <h3>Channels</h3>
    <ul id="channels" class="names"></ul>
    <form id="channel-form"><input id="new-channel" placeholder="new channel" maxlength="64" autocomplete="off" aria-label="new channel"><button id="create">Create</button></form>
    <h3>Users</h3>
    <ul id="users" class="names"></ul>
  </div>
  <div class="panel">
    <form id="publish-form"><select id="publish-channel" aria-label="channel"></select><input id="message" placeholder="message to the channel" maxlength="4096" autocomplete="off" aria-label="message"><button id="publish">Publish</button></form>
    <form id="dm-form"><input id="dst" list="user-names" placeholder="to user" maxlength="64" autocomplete="off" aria-label="to user"><datalist id="user-names"></datalist><input id="dm-message" placeholder="direct message" maxlength="4096" autocomplete="off" aria-label="direct message"><button id="send-dm">Send</button></form>
    <p id="notice" role="status"></p>
    <p id="feed-status" data-state="offline">feed: log in to receive messages</p>
    <ol id="feed"></ol>
  </div>
</div>`;
