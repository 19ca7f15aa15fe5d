#!/usr/bin/python3
"""A chat client in another language: drives every service through the broker and receives publications
through the proxy, with Debian's python3-zmq and python3-msgpack only.

    /usr/bin/python3 test/interop/chat_client.py --broker tcp://127.0.0.1:5555 --proxy tcp://127.0.0.1:5558

Prints a JSON summary on stdout; exits 0 when every check passed, 1 with the reason otherwise.
"""

import argparse
import json
import secrets
import sys
import time

import msgpack
import zmq


class CheckFailed(Exception):
    pass


def check(condition, reason):
    if not condition:
        raise CheckFailed(reason)


class Client:
    def __init__(self, context, broker, proxy, timeout_s):
        self.context = context
        self.broker = broker
        self.timeout_ms = int(timeout_s * 1000)
        self.clock = 0
        self.exchanges = []  # (service, clock sent, clock replied)
        self.req = self._open_req()
        self.sub = context.socket(zmq.SUB)
        self.sub.setsockopt(zmq.LINGER, 0)
        self.sub.connect(proxy)

    def _open_req(self):
        req = self.context.socket(zmq.REQ)
        req.setsockopt(zmq.LINGER, 0)
        req.connect(self.broker)
        return req

    def observe(self, received):
        if isinstance(received, int) and not isinstance(received, bool) and received > self.clock:
            self.clock = received

    def send_raw(self, frame, what):
        """One frame out, one reply in; a timeout is a failure (the REQ socket is replaced so it stays usable)."""
        self.req.send(frame)
        if not self.req.poll(self.timeout_ms, zmq.POLLIN):
            self.req.close()
            self.req = self._open_req()
            raise CheckFailed(f"no reply to {what} within {self.timeout_ms} ms from {self.broker}")
        raw = self.req.recv()
        try:
            reply = msgpack.unpackb(raw, raw=False)
        except Exception as err:  # noqa: BLE001 - any decoding failure is the finding
            raise CheckFailed(f"the reply to {what} is not MessagePack: {err}")
        check(isinstance(reply, dict), f"the reply to {what} is not a map: {reply!r}")
        check(isinstance(reply.get("service"), str), f"the reply to {what} has no service string: {reply!r}")
        check(isinstance(reply.get("data"), dict), f"the reply to {what} has no data map: {reply!r}")
        return reply

    def call(self, service, **fields):
        self.clock += 1
        sent_clock = self.clock
        data = dict(fields, timestamp=time.time(), clock=sent_clock)
        if service in ("login", "channel", "publish", "message"):
            data["id"] = secrets.token_hex(16)
        reply = self.send_raw(msgpack.packb({"service": service, "data": data}, use_bin_type=True), service)
        data = reply["data"]
        check("timestamp" in data, f"the reply to {service} has no timestamp: {data!r}")
        reply_clock = data.get("clock")
        check(isinstance(reply_clock, int) and not isinstance(reply_clock, bool), f"the reply to {service} has no integer clock: {data!r}")
        check(reply_clock > sent_clock, f"Lamport clock did not grow on {service}: sent {sent_clock}, got {reply_clock}")
        self.observe(reply_clock)
        self.exchanges.append((service, sent_clock, reply_clock))
        return data

    def wait_publication(self, topic, accept, timeout_s):
        """The first publication on exactly `topic` that `accept` takes, or None."""
        deadline = time.monotonic() + timeout_s
        while True:
            left_ms = int((deadline - time.monotonic()) * 1000)
            if left_ms <= 0 or not self.sub.poll(left_ms, zmq.POLLIN):
                return None
            frames = self.sub.recv_multipart()
            check(len(frames) == 2, f"a publication has {len(frames)} frames, not 2 (topic, payload)")
            got_topic = frames[0].decode("utf-8")
            payload = msgpack.unpackb(frames[1], raw=False)
            check(isinstance(payload, dict), f"a publication payload is not a map: {payload!r}")
            self.observe(payload.get("clock"))
            if got_topic == topic and accept(payload):
                return payload

    def close(self):
        self.req.close()
        self.sub.close()


def expect_status(data, ok, service):
    check(data.get("status") == ok, f"{service} answered status {data.get('status')!r}, not {ok!r}: {data!r}")


def expect_error(data, service):
    check(data.get("status") == "erro", f"{service} should have been refused, got {data!r}")
    reason = data.get("description") or data.get("message")
    check(isinstance(reason, str) and reason != "", f"the refusal of {service} gives no reason: {data!r}")
    return reason


def run(client, attempts, wait_s):
    suffix = secrets.token_hex(3)
    user = f"py-{suffix}"
    channel = f"py-canal-{suffix}"
    summary = {"user": user, "channel": channel}

    expect_status(client.call("login", user=user), "sucesso", "login")
    users = client.call("users").get("users")
    check(isinstance(users, list) and user in users, f"users does not list {user}: {users!r}")
    expect_status(client.call("channel", channel=channel), "sucesso", "channel")
    reply = client.call("channels")
    channels = reply.get("channels", reply.get("users"))
    check(isinstance(channels, list) and channel in channels, f"channels does not list {channel}: {channels!r}")
    summary["users"] = len(users)
    summary["channels"] = len(channels)

    # Subscriptions reach the publishers through the proxy a little later than the connect: publish until one arrives.
    client.sub.setsockopt_string(zmq.SUBSCRIBE, channel)
    client.sub.setsockopt_string(zmq.SUBSCRIBE, user)
    publication = None
    for attempt in range(1, attempts + 1):
        text = f"olá de python {attempt}"
        sent_clock = client.clock + 1
        expect_status(client.call("publish", user=user, channel=channel, message=text), "OK", "publish")
        publication = client.wait_publication(channel, lambda p, text=text: p.get("message") == text, wait_s)
        if publication is not None:
            break
    check(publication is not None, f"none of {attempts} publications on {channel} came back through the proxy")
    check(publication.get("user") == user, f"the publication names user {publication.get('user')!r}, not {user!r}")
    check(isinstance(publication.get("clock"), int) and publication["clock"] > sent_clock,
          f"the publication's clock {publication.get('clock')!r} is not above the publish request's {sent_clock}")
    summary["publication"] = {"attempts": attempt, "clock": publication["clock"]}

    direct = None
    for attempt in range(1, attempts + 1):
        text = f"direto {attempt}"
        expect_status(client.call("message", src=user, dst=user, message=text), "OK", "message")
        direct = client.wait_publication(user, lambda p, text=text: p.get("message") == text, wait_s)
        if direct is not None:
            break
    check(direct is not None, f"none of {attempts} direct messages to {user} came back through the proxy")
    check(direct.get("from") == user, f"the direct message says from {direct.get('from')!r}, not {user!r}")
    summary["direct"] = {"attempts": attempt, "clock": direct.get("clock")}

    refusals = {
        "publish to a missing channel": expect_error(client.call("publish", user=user, channel=f"nada-{suffix}", message="x"), "publish"),
        "message to a missing user": expect_error(client.call("message", src=user, dst=f"ninguem-{suffix}", message="x"), "message"),
        "unknown service": expect_error(client.call("dance"), "dance"),
        "login without user": expect_error(client.call("login"), "login"),
    }
    malformed = client.send_raw(b"\xc1 this is not MessagePack", "a malformed frame")
    refusals["malformed frame"] = expect_error(malformed["data"], "a malformed frame")
    summary["refusals"] = refusals

    # The server is still up after all that.
    users = client.call("users").get("users")
    check(isinstance(users, list) and user in users, "the server stopped answering after the malformed frame")

    clocks = [c for _, sent, replied in client.exchanges for c in (sent, replied)]
    check(all(a < b for a, b in zip(clocks, clocks[1:])), f"Lamport clocks did not grow along the exchanges: {clocks}")
    summary["exchanges"] = len(client.exchanges)
    summary["clock"] = client.clock
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--broker", default="tcp://127.0.0.1:5555")
    parser.add_argument("--proxy", default="tcp://127.0.0.1:5558")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for one reply")
    parser.add_argument("--attempts", type=int, default=10, help="publications to try before giving up on delivery")
    parser.add_argument("--wait", type=float, default=0.5, help="seconds to wait for each publication")
    args = parser.parse_args()

    context = zmq.Context()
    client = Client(context, args.broker, args.proxy, args.timeout)
    try:
        summary = run(client, args.attempts, args.wait)
    except Exception as failure:  # noqa: BLE001 - every failure ends as the same one-line JSON verdict
        reason = str(failure) if isinstance(failure, CheckFailed) else f"{type(failure).__name__}: {failure}"
        print(json.dumps({"ok": False, "reason": reason}))
        print(f"chat_client.py: {reason}", file=sys.stderr)
        return 1
    finally:
        client.close()
        context.term()
    print(json.dumps(dict(ok=True, **summary)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
