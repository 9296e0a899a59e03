"""One exam page as app/static/js/exam.js runs it, in Python, over the test client: the tests' and the model's
candidate window. It follows the script's protocol step for step — a window id, changes numbered in the order
they are made, `seen` from the stored change the page shows, `latest` kept until acknowledged, the reply's
outcomes and items absorbed — so HTTP tests exercise the server exactly as the page does.

    window = Window(client, attempt_id).load()
    window.answer(3, {"q3": ["1"]})
    reply = window.save()
    beat, synced = window.heartbeat()  # the clock, and the full sync it asks for when another window saved

`storage` stands for the browser's localStorage (one dict per device): the window keeps its journal there,
and a window loaded later on the same device takes over what closed or reloaded windows left unacknowledged.
"""

import secrets
from html.parser import HTMLParser

STORED, REPLACED, REFUSED = "stored", "replaced", "refused"


class _PaperParser(HTMLParser):
    """The paper page's revision, and per question: the stored change it shows, the flag and the inputs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.known = 0
        self.questions: dict[int, dict] = {}
        self._current = None
        self._depth = 0
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "div" and "exam-paper" in (attrs.get("class") or "").split():
            self.known = int(attrs.get("data-known") or 0)
        if self._current is not None and tag == "div":
            self._depth += 1
        if tag == "div" and "paper-question" in (attrs.get("class") or "").split():
            position = int(attrs["data-position"])
            self._current = self.questions[position] = {
                "by": attrs.get("data-by", ""), "seq": int(attrs.get("data-seq") or 0),
                "flagged": attrs.get("data-flagged") == "true", "fields": {}}
            self._depth = 1
        elif self._current is not None and tag == "input" and attrs.get("name"):
            fields = self._current["fields"]
            if attrs.get("type") in ("radio", "checkbox"):
                fields.setdefault(attrs["name"], [])
                if "checked" in attrs:
                    fields[attrs["name"]].append(attrs.get("value", ""))
            else:
                fields[attrs["name"]] = [attrs.get("value", "")]
        elif self._current is not None and tag == "textarea" and attrs.get("name"):
            self._textarea = attrs["name"]
            self._current["fields"][self._textarea] = [""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._current["fields"][self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        if self._current is not None and tag == "div":
            self._depth -= 1
            if self._depth == 0:
                self._current = None


class Window:
    def __init__(self, client, attempt_id: int, window_id: str | None = None, storage: dict | None = None,
                 clock=None):
        self.client = client
        self.attempt_id = attempt_id
        self.id = window_id or secrets.token_hex(16)
        self.storage = {} if storage is None else storage
        self.clock = clock or _counter()  # Date.now() of the device: orders changes of its windows
        self.next_seq = 1
        self.known = 0
        self.server: dict[int, tuple[str, int]] = {}  # the stored change this window last learnt of
        self.shown: dict[int, tuple[dict, bool]] = {}  # what the page shows: (fields, flagged)
        self.latest: dict[int, dict] = {}  # the newest change not yet acknowledged, by question
        self.refused: list[int] = []  # questions whose change was refused in the last reply
        self.over = False

    @property
    def url(self) -> str:
        return f"/my/attempts/{self.attempt_id}"

    # --- the page ---------------------------------------------------------------------------------

    @property
    def journal_key(self) -> str:
        return f"exam-{self.attempt_id}-w-{self.id}"

    def load(self) -> "Window":
        """The page loads: what the server renders becomes what this window shows and builds on; then the
        changes other windows of this device left unacknowledged are taken over."""
        response = self.client.get(self.url)
        if response.status_code == 302:
            self.over = True
            return self
        assert response.status_code == 200, response.status_code
        parser = _PaperParser()
        parser.feed(response.get_data(as_text=True))
        self.known = parser.known
        for position, question in parser.questions.items():
            self.server[position] = (question["by"], question["seq"])
            self.shown[position] = (question["fields"], question["flagged"])
        self.adopt_journals()
        return self

    def adopt_journals(self) -> None:
        """Per question the newest change left in this device's journals, built on the older ones; dropped when
        the page already shows it (or a later change of its window) as stored. As adoptJournals() in exam.js."""
        prefix = f"exam-{self.attempt_id}-w-"
        keys = [key for key in self.storage if key.startswith(prefix) and key != self.journal_key]
        found: dict[int, list[dict]] = {}
        for key in keys:
            for change in self.storage[key]:
                if change["q"] in self.shown:
                    found.setdefault(change["q"], []).append(dict(change, seen=dict(change["seen"])))
        for position, changes in found.items():
            changes.sort(key=lambda change: change["at"])
            chosen = changes[-1]
            for older in changes[:-1]:
                chosen["seen"][older["win"]] = max(chosen["seen"].get(older["win"], 0), older["seq"])
            by, seq = self.server.get(position, ("", 0))
            if by == chosen["win"] and seq >= chosen["seq"]:
                continue
            self.latest[position] = chosen
            self.shown[position] = (dict(chosen["fields"]), chosen["flagged"])
        self.write_journal()
        for key in keys:
            del self.storage[key]

    def write_journal(self) -> None:
        if self.latest:
            self.storage[self.journal_key] = [dict(change) for change in self.pending()]
        else:
            self.storage.pop(self.journal_key, None)

    def answer(self, position: int, fields: dict, flagged: bool | None = None) -> dict:
        """The candidate changes question `position` in this window: inputs `fields` (and the flag)."""
        flagged = self.shown.get(position, ({}, False))[1] if flagged is None else flagged
        self.shown[position] = (dict(fields), flagged)
        change = {"q": position, "fields": dict(fields), "flagged": flagged, "win": self.id,
                  "seq": self.next_seq, "seen": self._seen_for(position), "at": next(self.clock)}
        self.next_seq += 1
        self.latest[position] = change
        self.write_journal()
        return change

    def answer_all(self, fields: dict, flagged=()) -> None:
        """Several questions at once, from inputs named q<position>…, each a change of its own."""
        by_position: dict[int, dict] = {}
        for name, values in fields.items():
            by_position.setdefault(int(name[1:].split("-")[0]), {})[name] = values
        for position in set(flagged) - set(by_position):
            by_position[position] = dict(self.shown.get(position, ({}, False))[0])
        for position in sorted(by_position):
            self.answer(position, by_position[position], flagged=position in flagged)

    def _seen_for(self, position: int) -> dict:
        before = self.latest.get(position)
        if before is not None:
            seen = dict(before["seen"])
            seen[before["win"]] = max(seen.get(before["win"], 0), before["seq"])
            return seen
        by, seq = self.server.get(position, ("", 0))
        return {by: seq} if by else {}

    def pending(self) -> list[dict]:
        return [self.latest[p] for p in sorted(self.latest)]

    def body(self) -> dict:
        fields = ("q", "fields", "flagged", "win", "seq", "seen")
        return {"known": self.known, "changes": [{k: c[k] for k in fields} for c in self.pending()]}

    # --- talking to the server --------------------------------------------------------------------

    def send(self, path: str = "save"):
        """POST the window's pending changes; the reply is absorbed as the script does (200/409/410)."""
        return self.receive(*self.post(path))

    def post(self, path: str = "save"):
        """The request leaves and the server handles it now; the reply is absorbed by receive(), maybe later:
        the candidate may change answers while it is under way, as on a slow network."""
        sent = self.pending()
        return self.deliver(self.body(), path), sent

    def deliver(self, body: dict, path: str = "save"):
        """A request body built earlier (body()) reaches the server now."""
        return self.client.post(f"{self.url}/{path}", json=body)

    def receive(self, response, sent: list[dict]):
        if response.status_code in (200, 409, 410) and response.is_json:
            self.absorb(response.get_json(), sent)
        if response.status_code == 410:
            self.over = True
        return response

    def save(self):
        return self.send("save")

    def read_clock(self):
        """The heartbeat's GET alone: {status, rev, remaining}."""
        return self.client.get(f"{self.url}/clock")

    def heartbeat(self):
        """What the script's heartbeat does: ask the clock; a full sync (a save) only when the attempt's revision
        moved past what this window knows, or the attempt is over; changes not yet sent go as a save instead.
        Returns (clock reply or None, sync reply or None)."""
        if self.latest:
            return None, self.save()
        beat = self.read_clock()
        if beat.status_code == 410 or (beat.status_code == 200 and beat.get_json()["rev"] > self.known):
            return beat, self.save()
        return beat, None

    def submit(self):
        """The time-up submit with the last changes; a refusal is absorbed and the submit sent again."""
        response = self.send("submit")
        while response.status_code == 409:
            response = self.send("submit")
        if response.status_code == 200:
            self.latest.clear()
            self.write_journal()
            self.over = True
        return response

    def absorb(self, data: dict, sent: list[dict]) -> None:
        self.refused = []
        for result in data.get("results", []):
            change = next((c for c in sent if (c["win"], c["seq"]) == (result["win"], result["seq"])), None)
            if change is None:
                continue
            position, latest = change["q"], self.latest.get(change["q"])
            if result["outcome"] in (STORED, REPLACED):
                if latest is not None and (latest["win"], latest["seq"]) == (change["win"], change["seq"]):
                    del self.latest[position]
                if result["outcome"] == STORED:
                    self.server[position] = (change["win"], change["seq"])
            elif result["outcome"] == REFUSED and latest is not None:
                del self.latest[position]
                self.refused.append(position)
        for item in data.get("items", []):
            if item["q"] in self.latest:
                continue
            self.server[item["q"]] = (item["by"], item["seq"])
            self.shown[item["q"]] = (item["fields"], item["flagged"])
        if isinstance(data.get("rev"), int) and data["rev"] > self.known:
            self.known = data["rev"]
        self.write_journal()


def _counter():
    n = 0
    while True:
        n += 1
        yield n
