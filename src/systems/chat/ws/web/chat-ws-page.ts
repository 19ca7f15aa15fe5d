export const CHAT_WS_STYLES = `
.cols { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 2.6fr); gap: 1rem; }
@media (max-width: 44rem) { .cols { grid-template-columns: minmax(0, 1fr); } }
form { display: flex; gap: .4rem; flex-wrap: wrap; margin: .4rem 0; } form input { flex: 1 1 8rem; min-width: 0; }
#status { font-size: .9rem; color: var(--muted); } #status[data-state="live"] { color: var(--ok); } #status[data-state="refused"] { color: var(--bad); }
#notice.error { color: var(--bad); }
ul.names { list-style: none; padding: 0; margin: 0; }
ul.names li { display: flex; justify-content: space-between; align-items: center; gap: .4rem; padding: .2rem 0; }
ul.names li > span, ul.names li > a { min-width: 0; overflow-wrap: anywhere; }
#rooms li.current > a { font-weight: 700; color: var(--fg); }
#rooms .unread { background: var(--accent); color: var(--on-accent); border-radius: 9px; padding: 0 .45rem; font-size: .8rem; }
#presence li > span::before { content: '● '; color: var(--ok); }
#presence li.me > span { font-weight: 600; }
ol.feed { list-style: none; padding: 0; margin: .4rem 0; max-height: 26rem; overflow-y: auto; }
ol.feed li { display: grid; grid-template-columns: minmax(0, auto) minmax(0, 1fr) auto; grid-template-areas: "author note time" "text text text";
  gap: .1rem .6rem; padding: .35rem .2rem; border-bottom: 1px solid var(--line); align-items: baseline; }
ol.feed .author { grid-area: author; font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
ol.feed .note { grid-area: note; color: var(--muted); font-size: .85rem; }
ol.feed time { grid-area: time; color: var(--muted); font-size: .85rem; font-variant-numeric: tabular-nums; }
ol.feed .text { grid-area: text; white-space: pre-wrap; overflow-wrap: anywhere; }
ol.feed li.mine .author { color: var(--brand); }
ol.feed li form { grid-area: text; margin: 0; }
ol.feed button.edit { font-size: .8rem; padding: 0 .4rem; }
#typing { min-height: 1.4em; font-style: italic; }
`;

/** The chat page: who you are, rooms with their presence, the room's messages, direct messages (its script fills them). */
export function chatWsBody(anonymous: boolean): string {
  const identity = anonymous
    ? `<form id="identity-form"><input id="name" placeholder="your name" maxlength="64" autocomplete="off" aria-label="your name"><button id="use-name">Use this name</button></form>`
    : `<form id="identity-form"><input id="token" placeholder="a token from: mensageiro chat ws token --sub u1 --name ana" autocomplete="off" aria-label="token"><button id="use-token">Connect</button></form>`;
  return `<h1>Chat over WebSocket</h1>
<p class="lead">Rooms, presence, typing, direct messages and edits over one WebSocket per page. Every message is appended to
the message log before anyone sees it; each instance fans it out to its own clients and, over the bus, to the others'.
Lose the connection and the page reconnects by itself and asks for what it missed.</p>
<div id="chat" data-auth="${anonymous ? 'anonymous' : 'token'}">
${identity}
<p><span id="status" data-state="offline">not connected</span> <span id="whoami" class="hint"></span></p>
<div class="cols">
  <div class="panel">
    <h3>Rooms</h3>
    <ul id="rooms" class="names"></ul>
    <form id="room-form"><input id="new-room" placeholder="room" maxlength="64" autocomplete="off" aria-label="room"><button id="join">Join</button></form>
    <h3>In <span id="presence-room">the room</span></h3>
    <ul id="presence" class="names"></ul>
  </div>
  <div class="panel">
    <h2 id="room-title">no room yet</h2>
    <ol id="messages" class="feed"></ol>
    <p id="typing" class="hint"></p>
    <form id="publish-form"><input id="message" placeholder="message to the room" maxlength="4000" autocomplete="off" aria-label="message"><button id="send">Send</button></form>
    <p id="notice" role="status"></p>
  </div>
</div>
<h2>Direct messages</h2>
<div class="panel">
  <form id="dm-form"><input id="dm-to" placeholder="to user id" maxlength="64" autocomplete="off" aria-label="to user id"><input id="dm-text" placeholder="direct message" maxlength="4000" autocomplete="off" aria-label="direct message"><button id="send-dm">Send</button></form>
  <ol id="dms" class="feed"></ol>
</div>
</div>`;
}
