#!/usr/bin/env python3
"""Traffic for bench/load.sh, bench/fault.sh and bench/sigterm.sh (stdlib only).

  traffic.py seed    --port P --state F [--tenants 10 ...]  provisions and seeds tenants
  traffic.py load    --port P --state F --duration S        mixed traffic, both doors, checked
  traffic.py fault   --port P --state F --stop CMD --start CMD   writes through a database outage
  traffic.py sigterm --port P --state F --pid PID           SIGTERM under load

Every name a tenant owns carries its marker `tn<i>q` (organizations
`TN3QD1`, courses `course-v1:TN3QD1+C0+2026`, users `tn3qu5`), so that any
name of another tenant in a body is seen whatever endpoint answered it;
user ids are checked against the ids each tenant was seen to create.
"""

import argparse
import http.client
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse

MARKER = re.compile(r"(?i)\btn(\d+)q")
CURSOR_KEYS = {"next_cursor", "nextCursor"}
USER_ID_KEYS = {"user_id", "userId", "admin_id"}
OPERATOR_EMAIL = "bench-operator@example.org"
OPERATOR_PASSWORD = "bench-operator-password"
ADMIN_PASSWORD = "admin-password"


def log(message):
    print(f"# {message}", file=sys.stderr, flush=True)


class Cut(Exception):
    """A request sent on an open connection that got no response."""


class Refused(Exception):
    """No connection: the request was never sent."""


class Client:
    """One keep-alive connection to the server, reopened when it closes."""

    def __init__(self, port, timeout=30.0):
        self.port = port
        self.timeout = timeout
        self.conn = None
        self.reused = False

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method, host, path, body=None, token=None, form=None):
        headers = {"Host": host}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        elif form is not None:
            payload = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if self.conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                conn.connect()
            except OSError as error:
                raise Refused(str(error)) from error
            self.conn, self.reused = conn, False
        else:
            self.reused = True
        try:
            self.conn.request(method, path, body=payload, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.close()
            raise Cut(f"{type(error).__name__}: {error}") from error
        if response.will_close:
            self.close()
        return response.status, response.getheader("Content-Type", ""), data


def decode(data):
    try:
        return json.loads(data)
    except ValueError:
        return None


# ---- seeding ---------------------------------------------------------------


def ok(status, data, *expected):
    if status not in expected:
        raise SystemExit(f"seeding: answered {status}: {data[:300]!r}")
    return decode(data)


def token(client, host, username, password):
    status, _, data = client.request(
        "POST", host, "/api/v1/auth/token",
        form={"grant_type": "password", "username": username, "password": password})
    return ok(status, data, 200)["access_token"]


def seed(args):
    client = Client(args.port)
    operator = token(client, "localhost", OPERATOR_EMAIL, OPERATOR_PASSWORD)
    tenants = []
    for i in range(args.tenants):
        marker = f"tn{i}q"
        domain = f"{marker}.localhost"
        root = f"TN{i}QROOT"
        status, _, data = client.request("POST", "localhost", "/api/v1/tenants", token=operator, body={
            "slug": marker, "name": f"Tenant {marker}", "domain": domain,
            "organization": {"short_name": root, "name": f"{marker} root"},
            "admin": {"email": f"admin@{marker}.test", "username": f"{marker}admin",
                      "password": ADMIN_PASSWORD}})
        created = ok(status, data, 201)
        admin = token(client, domain, f"{marker}admin", ADMIN_PASSWORD)
        tenant = {"index": i, "domain": domain, "root": root, "token": admin,
                  "orgs": [root], "courses": [], "users": [created["admin"]["id"]]}
        for o in range(args.organizations):
            org = f"TN{i}QD{o}"
            status, _, data = client.request("POST", domain, "/api/v1/organizations", token=admin,
                                             body={"short_name": org, "name": f"Department {marker} {o}",
                                                   "parent": root})
            ok(status, data, 201)
            tenant["orgs"].append(org)
            batch = [{"org": org, "number": f"C{c}", "run": "2026",
                      "display_name": f"Course {marker} {o}-{c}",
                      "start": f"2026-{c % 12 + 1:02d}-01T00:00:00Z"} for c in range(args.courses)]
            status, _, data = client.request("POST", domain, "/api/v1/courses/batch", token=admin,
                                             body={"courses": batch})
            tenant["courses"] += [course["key"] for course in ok(status, data, 201)["items"]]
        for u in range(args.users):
            name = f"{marker}u{u}"
            status, _, data = client.request("POST", domain, "/api/v1/users", token=admin,
                                             body={"email": f"{name}@{marker}.test", "username": name,
                                                   "name": f"User {marker} {u}"})
            user = ok(status, data, 201)["id"]
            tenant["users"].append(user)
            for key in random.sample(tenant["courses"], min(args.enrollments, len(tenant["courses"]))):
                status, _, data = client.request("POST", domain, f"/api/v1/courses/{key}/enrollments",
                                                 token=admin, body={"user_id": user, "mode": "audit"})
                ok(status, data, 200, 201)
        tenants.append(tenant)
        log(f"seeded {domain}: {len(tenant['orgs'])} organizations, {len(tenant['courses'])} courses, "
            f"{len(tenant['users'])} users")
    with open(args.state, "w") as out:
        json.dump(tenants, out)


# ---- traffic ---------------------------------------------------------------


class World:
    """What each tenant owns, growing as writes are acknowledged."""

    def __init__(self, tenants):
        self.tenants = tenants
        self.lock = threading.Lock()
        self.user_owner = {u: t["index"] for t in tenants for u in t["users"]}

    def add_user(self, tenant, user):
        with self.lock:
            tenant["users"].append(user)
            self.user_owner[user] = tenant["index"]

    def other(self, tenant):
        return random.choice([t for t in self.tenants if t is not tenant])

    def foreign_in(self, value, tenant):
        """What in a decoded body belongs to another tenant than `tenant`."""
        found = []
        checked = [0]

        def walk(v, key):
            if isinstance(v, dict):
                if "username" in v and isinstance(v.get("id"), int):
                    walk_user(v["id"])
                for k, x in v.items():
                    if k not in CURSOR_KEYS:
                        walk(x, k)
            elif isinstance(v, list):
                for x in v:
                    walk(x, key)
            elif isinstance(v, str):
                for match in MARKER.finditer(v):
                    checked[0] += 1
                    if int(match.group(1)) != tenant["index"]:
                        found.append(v)
            elif isinstance(v, int) and not isinstance(v, bool) and key in USER_ID_KEYS:
                walk_user(v)

        def walk_user(user):
            checked[0] += 1
            owner = self.user_owner.get(user)
            if owner is not None and owner != tenant["index"]:
                found.append(f"user {user} of tn{owner}q")

        walk(value, None)
        return found, checked[0]


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}
        self.examples = {}

    def add(self, name, example=None, n=1):
        with self.lock:
            self.counts[name] = self.counts.get(name, 0) + n
            if example is not None:
                self.examples.setdefault(name, [])
                if len(self.examples[name]) < 3:
                    self.examples[name].append(example)

    def get(self, name):
        return self.counts.get(name, 0)


GQL_LISTS = ("{ organizations(limit: 50) { items { shortName parent { shortName } } } "
             "courses(limit: 50) { items { key org displayName organization { shortName } } } }")
GQL_USERS = "{ users(limit: 50) { items { id username email } } }"
GQL_COURSE = ("query($k: String!) { course(key: $k) { key enrollments { userId courseKey } } "
              "courseEnrollments(key: $k) { items { userId courseKey } } }")
GQL_NEW_ORG = "mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { shortName } }"
GQL_NEW_USER = "mutation($i: CreateUserInput!) { createUser(input: $i) { id username } }"
GQL_ENROLL = ("mutation($k: String!, $u: Int!) { enroll(courseKey: $k, userId: $u, mode: AUDIT) "
              "{ enrollment { userId courseKey } } }")


class Worker:
    """One client thread: picks a tenant and an operation, checks the answer."""

    def __init__(self, number, port, world, tally, timeout=30.0):
        self.number = number
        self.client = Client(port, timeout)
        self.world = world
        self.tally = tally
        self.sequence = 0

    def fresh(self, tenant, kind):
        self.sequence += 1
        return f"tn{tenant['index']}q{kind}{self.number}x{self.sequence}"

    def rest(self, tenant, method, path, expected, body=None, token=True):
        status, _, data = self.client.request(method, tenant["domain"], path, body=body,
                                              token=tenant["token"] if token is True else token)
        self.tally.add("rest")
        decoded = decode(data)
        self.judge(tenant, f"{method} {path}", status, expected, decoded, data)
        return status, decoded

    def graphql(self, tenant, query, variables=None, expect_code=None, allow=()):
        status, _, data = self.client.request("POST", tenant["domain"], "/graphql", token=tenant["token"],
                                              body={"query": query, "variables": variables or {}})
        self.tally.add("graphql")
        decoded = decode(data)
        what = f"graphql {query[:40]}"
        self.judge(tenant, what, status, {200}, decoded, data)
        errors = (decoded or {}).get("errors") if isinstance(decoded, dict) else None
        codes = [((e.get("extensions") or {}).get("code")) for e in errors or []]
        if expect_code:
            expected_codes = bool(codes) and set(codes) == {expect_code}
        else:
            expected_codes = set(codes) <= set(allow)
        if status == 200 and not expected_codes:
            if "INTERNAL" in codes:
                self.tally.add("5xx", f"{what}: {codes}")
            else:
                self.tally.add("unexpected", f"{what}: {str(errors)[:200]}")
        return status, decoded

    def judge(self, tenant, what, status, expected, decoded, data):
        if status >= 500:
            self.tally.add("5xx", f"{what} -> {status} {data[:160]!r}")
            self.tally.add(f"status {status}")
        elif status not in expected:
            self.tally.add("unexpected", f"{what} -> {status} {data[:160]!r}")
        if decoded is not None:
            foreign, checked = self.world.foreign_in(decoded, tenant)
            self.tally.add("names checked", n=checked)
            if foreign:
                self.tally.add("cross-tenant", f"{what} on tn{tenant['index']}q: {foreign[:3]}")

    def one(self):
        tenant = random.choice(self.world.tenants)
        course = random.choice(tenant["courses"])
        user = random.choice(tenant["users"])
        op = random.randrange(16)
        if op == 0:
            self.rest(tenant, "GET", "/api/v1/organizations?limit=50", {200})
        elif op == 1:
            self.rest(tenant, "GET", "/api/v1/courses?limit=50", {200})
        elif op == 2:
            self.rest(tenant, "GET", "/api/v1/users?limit=50", {200})
        elif op == 3:
            self.rest(tenant, "GET", f"/api/v1/courses/{course}", {200})
        elif op == 4:
            self.rest(tenant, "GET", f"/api/v1/courses/{course}/enrollments?limit=50", {200})
        elif op == 5:
            self.rest(tenant, "GET", "/api/v1/catalog?limit=50", {200}, token=None)
        elif op == 6:
            org = self.fresh(tenant, "o").upper()
            self.rest(tenant, "POST", "/api/v1/organizations", {201},
                      body={"short_name": org, "name": f"Org {org}", "parent": tenant["root"]})
        elif op == 7:
            name = self.fresh(tenant, "u")
            status, body = self.rest(tenant, "POST", "/api/v1/users", {201},
                                     body={"email": f"{name}@tn{tenant['index']}q.test", "username": name})
            if status == 201:
                self.world.add_user(tenant, body["id"])
        elif op == 8:
            # 409: the user is enrolled already.
            self.rest(tenant, "POST", f"/api/v1/courses/{course}/enrollments", {200, 201, 409},
                      body={"user_id": user, "mode": "audit"})
        elif op == 9:
            # Another tenant's course, asked for with this tenant's token.
            foreign = random.choice(self.world.other(tenant)["courses"])
            self.rest(tenant, "GET", f"/api/v1/courses/{foreign}", {404})
        elif op == 10:
            # This tenant's host with another tenant's token.
            self.rest(tenant, "GET", "/api/v1/courses?limit=5", {401},
                      token=self.world.other(tenant)["token"])
        elif op == 11:
            self.graphql(tenant, GQL_LISTS)
        elif op == 12:
            self.graphql(tenant, GQL_USERS)
        elif op == 13:
            if random.random() < 0.5:
                self.graphql(tenant, GQL_COURSE, {"k": course})
            else:
                foreign = random.choice(self.world.other(tenant)["courses"])
                self.graphql(tenant, GQL_COURSE, {"k": foreign}, expect_code="NOT_FOUND")
        elif op == 14:
            if random.random() < 0.5:
                org = self.fresh(tenant, "g").upper()
                self.graphql(tenant, GQL_NEW_ORG,
                             {"i": {"shortName": org, "name": f"Org {org}", "parent": tenant["root"]}})
            else:
                name = self.fresh(tenant, "v")
                _, body = self.graphql(tenant, GQL_NEW_USER,
                                       {"i": {"email": f"{name}@tn{tenant['index']}q.test", "username": name}})
                created = ((body or {}).get("data") or {}).get("createUser")
                if created:
                    self.world.add_user(tenant, created["id"])
        else:
            # CONFLICT: the user is enrolled already.
            self.graphql(tenant, GQL_ENROLL, {"k": course, "u": user}, allow={"CONFLICT"})


def load_world(args):
    with open(args.state) as source:
        return World(json.load(source))


def load(args):
    world = load_world(args)
    tally = Tally()
    stop = time.monotonic() + args.duration
    latencies = []

    def run(number):
        worker = Worker(number, args.port, world, tally)
        mine = []
        while time.monotonic() < stop:
            started = time.monotonic()
            try:
                worker.one()
            except (Cut, Refused) as error:
                tally.add("transport errors", str(error))
            mine.append(time.monotonic() - started)
        latencies.extend(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=run, args=(n,)) for n in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    total = tally.get("rest") + tally.get("graphql")

    def pct(p):
        return 1000 * latencies[min(len(latencies) - 1, int(p * len(latencies)))] if latencies else 0

    print(f"{args.label:<9} {total} requests in {elapsed:.1f} s = {total / elapsed:.0f} req/s "
          f"(REST {tally.get('rest')}, GraphQL {tally.get('graphql')}; {args.clients} clients, "
          f"{len(world.tenants)} tenants; p50 {pct(0.5):.1f} ms, p99 {pct(0.99):.1f} ms)")
    print(f"{args.label:<9} 5xx {tally.get('5xx')}, cross-tenant {tally.get('cross-tenant')}, "
          f"other unexpected {tally.get('unexpected')}, transport errors {tally.get('transport errors')} "
          f"({tally.get('names checked')} names and user ids checked)")
    for name in ("5xx", "cross-tenant", "unexpected", "transport errors"):
        for example in tally.examples.get(name, []):
            print(f"{args.label:<9}   {name}: {example}")
    bad = sum(tally.get(n) for n in ("5xx", "cross-tenant", "unexpected", "transport errors"))
    return 1 if bad else 0


# ---- database outage -------------------------------------------------------


def fault(args):
    world = load_world(args)
    tally = Tally()
    acked = []  # (tenant, short name) of every acknowledged organization
    answers = []  # (sent, answered, status) of every request
    done = threading.Event()
    lock = threading.Lock()

    def run(number):
        worker = Worker(number, args.port, world, tally, timeout=30.0)
        while not done.is_set():
            tenant = random.choice(world.tenants)
            sent = time.monotonic()
            try:
                if random.random() < 0.5:
                    org = worker.fresh(tenant, "f").upper()
                    body = {"short_name": org, "name": f"Org {org}", "parent": tenant["root"]}
                    if random.random() < 0.5:
                        status, _, data = worker.client.request("POST", tenant["domain"], "/api/v1/organizations",
                                                                body=body, token=tenant["token"])
                        if status == 201:
                            with lock:
                                acked.append((tenant["index"], org))
                    else:
                        status, _, data = worker.client.request(
                            "POST", tenant["domain"], "/graphql", token=tenant["token"],
                            body={"query": GQL_NEW_ORG, "variables": {"i": {
                                "shortName": org, "name": body["name"], "parent": tenant["root"]}}})
                        decoded = decode(data) or {}
                        if status == 200 and (decoded.get("data") or {}).get("createOrganization"):
                            with lock:
                                acked.append((tenant["index"], org))
                        elif status == 200:
                            codes = [(e.get("extensions") or {}).get("code") for e in decoded.get("errors") or []]
                            # GraphQL answers 200 with the problem's code; count it as its status.
                            status = 503 if codes == ["UNAVAILABLE"] else 500 if "INTERNAL" in codes else status
                else:
                    status, _, data = worker.client.request("GET", tenant["domain"], "/api/v1/courses?limit=20",
                                                            token=tenant["token"])
            except (Cut, Refused) as error:
                status = 0
                tally.add("transport errors", str(error))
            with lock:
                answers.append((sent, time.monotonic(), status))

    ready = []  # (asked, answered, status) of /health/ready

    def probe():
        client = Client(args.port, timeout=30.0)
        while not done.is_set():
            asked = time.monotonic()
            try:
                status, _, _ = client.request("GET", "localhost", "/health/ready")
            except (Cut, Refused):
                status = 0
            ready.append((asked, time.monotonic(), status))
            time.sleep(0.1)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(args.clients)]
    threads.append(threading.Thread(target=probe))
    for thread in threads:
        thread.start()
    time.sleep(args.warmup)
    stopping = time.monotonic()
    subprocess.run(args.stop, shell=True, check=True, stdout=subprocess.DEVNULL)
    stopped = time.monotonic()
    log(f"database stopped ({stopped - stopping:.2f} s to stop)")
    time.sleep(args.outage)
    starting = time.monotonic()
    subprocess.run(args.start, shell=True, check=True, stdout=subprocess.DEVNULL)
    started = time.monotonic()
    log(f"database started ({started - starting:.2f} s to start)")
    deadline = started + 60
    while time.monotonic() < deadline:
        with lock:
            served = [a for a in answers if a[0] >= started and 200 <= a[2] < 300]
        if served and time.monotonic() > min(a[1] for a in served) + args.after:
            break
        time.sleep(0.1)
    done.set()
    for thread in threads:
        thread.join()

    if args.timeline:
        with open(args.timeline, "w") as out:
            for sent, answered, status in sorted(answers):
                out.write(f"{sent - stopped:8.3f} {answered - stopped:8.3f} {status}\n")
    # Asked from the moment the stop began until the database was back,
    # answered whenever.
    during = [a for a in answers if stopping <= a[0] < started]
    during_ready = [r for r in ready if stopping <= r[0] < started]
    after = sorted((a for a in answers if a[0] >= started and 200 <= a[2] < 300), key=lambda a: a[1])
    ready_after = sorted((r for r in ready if r[0] >= started and r[2] == 200), key=lambda r: r[1])
    statuses, ready_statuses = {}, {}
    for _, _, status in during:
        statuses[status] = statuses.get(status, 0) + 1
    for _, _, status in during_ready:
        ready_statuses[status] = ready_statuses.get(status, 0) + 1
    other_5xx = sum(1 for a in answers if a[2] >= 500 and a[2] != 503)

    client = Client(args.port)
    lost = []
    for index, org in acked:
        tenant = world.tenants[index]
        status, _, _ = client.request("GET", tenant["domain"], f"/api/v1/organizations/{org}",
                                      token=tenant["token"])
        if status != 200:
            lost.append((org, status))

    max_answer = max((a[1] - a[0] for a in during), default=0.0)
    print(f"postgres  {len(answers)} requests ({args.clients} clients, writes half REST half GraphQL, reads); "
          f"database down {started - stopping:.1f} s ({args.mode} stop, {stopped - stopping:.1f} s; "
          f"down {starting - stopped:.1f} s; start {started - starting:.1f} s)")
    print(f"postgres  acknowledged writes {len(acked)}, lost writes {len(lost)}")
    print(f"postgres  asked during the outage: {len(during)} answers {dict(sorted(statuses.items()))}, "
          f"max answer time {max_answer:.2f} s; /health/ready {dict(sorted(ready_statuses.items()))} "
          f"(200s: asked before the stop took hold or as the database came back)")
    recovery = (after[0][1] - started) if after else float("nan")
    ready_recovery = (ready_after[0][1] - started) if ready_after else float("nan")
    print(f"postgres  recovery without restart: first success {recovery:.2f} s after the database was up "
          f"(ready again after {ready_recovery:.2f} s)")
    print(f"postgres  5xx other than 503: {other_5xx}; transport errors {tally.get('transport errors')}")
    for org, status in lost[:5]:
        print(f"postgres    lost: {org} answers {status}")
    slow = max_answer >= 2.0
    return 1 if lost or other_5xx or slow or not after else 0


# ---- SIGTERM under load ----------------------------------------------------


def sigterm(args):
    world = load_world(args)
    tally = Tally()
    term_at = []
    done = threading.Event()
    outcomes = []  # (sent, answered, outcome)
    lock = threading.Lock()

    def run(number):
        worker = Worker(number, args.port, world, Tally(), timeout=60.0)
        refused_since = None
        while not done.is_set():
            sent = time.monotonic()
            try:
                worker.one()
                outcome = "answered"
                refused_since = None
            except Refused:
                outcome = "refused"
                refused_since = refused_since or sent
            except Cut as error:
                outcome = "cut on a reused connection" if worker.client.reused else "cut on a new connection"
                tally.add(outcome, str(error))
            with lock:
                outcomes.append((sent, time.monotonic(), outcome))
            if refused_since and time.monotonic() - refused_since > 1.0:
                return
            if outcome == "refused":
                time.sleep(0.02)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(args.clients)]
    for thread in threads:
        thread.start()
    time.sleep(args.warmup)
    term_at.append(time.monotonic())
    os.kill(args.pid, signal.SIGTERM)
    log(f"SIGTERM sent to {args.pid}")
    deadline = time.monotonic() + args.limit
    while time.monotonic() < deadline and any(t.is_alive() for t in threads):
        time.sleep(0.1)
    done.set()
    for thread in threads:
        thread.join()
    term = term_at[0]
    counts = {}
    for _, _, outcome in outcomes:
        counts[outcome] = counts.get(outcome, 0) + 1
    after_term = [o for o in outcomes if o[0] >= term and o[2] == "answered"]
    last_answer = max((o[1] for o in after_term), default=term) - term
    in_flight = sum(1 for o in outcomes if o[0] < term < o[1] and o[2] == "answered")
    cut = counts.get("cut on a reused connection", 0) + counts.get("cut on a new connection", 0)
    print(f"{args.label:<9} {len(outcomes)} requests ({args.clients} keep-alive clients): "
          f"{counts.get('answered', 0)} answered, {cut} cut, {counts.get('refused', 0)} refused "
          f"(not sent: listener closed)")
    print(f"{args.label:<9} after SIGTERM: {len(after_term)} answered, the last {last_answer:.2f} s after it; "
          f"{in_flight} in flight at the signal all answered")
    for name in ("cut on a reused connection", "cut on a new connection"):
        if tally.get(name):
            when = [o[0] - term for o in outcomes if o[2] == name]
            print(f"{args.label:<9}   {name}: {tally.get(name)}, sent {min(when):.2f} to {max(when):.2f} s "
                  f"after the signal, e.g. {tally.examples[name][0]}")
    return 1 if cut else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("seed", "load", "fault", "sigterm"):
        p = sub.add_parser(name)
        p.add_argument("--port", type=int, required=True)
        p.add_argument("--state", required=True)
        p.add_argument("--clients", type=int, default=16)
        p.add_argument("--label", default="")
        if name == "seed":
            p.add_argument("--tenants", type=int, default=10)
            p.add_argument("--organizations", type=int, default=3)
            p.add_argument("--courses", type=int, default=5)
            p.add_argument("--users", type=int, default=10)
            p.add_argument("--enrollments", type=int, default=2)
        if name == "load":
            p.add_argument("--duration", type=float, default=60)
        if name == "fault":
            p.add_argument("--stop", required=True)
            p.add_argument("--start", required=True)
            p.add_argument("--mode", default="fast")
            p.add_argument("--warmup", type=float, default=3)
            p.add_argument("--outage", type=float, default=5)
            p.add_argument("--after", type=float, default=2)
            p.add_argument("--timeline", help="writes `sent answered status` per request, seconds from the stop")
        if name == "sigterm":
            p.add_argument("--pid", type=int, required=True)
            p.add_argument("--warmup", type=float, default=3)
            p.add_argument("--limit", type=float, default=30)
    args = parser.parse_args()
    return {"seed": seed, "load": load, "fault": fault, "sigterm": sigterm}[args.command](args) or 0


if __name__ == "__main__":
    sys.exit(main())
