"""A client for scripts (`registry import`, `registry export`): bulk import in batches, safe to run again.

`import_file` reads a JSON, CSV or XLSX file, keeps all rows of one external_id together, puts parents before
their children (a whole family in one batch where it fits), and sends batches of at most `batch_size`
interventions to POST /api/v1/imports/interventions in the file's own format. Each batch carries an
Idempotency-Key computed from the file's content, the options and the batch number: after a crash, running
the same command again gets the stored answers of the batches already applied instead of applying them twice.
Problems are reported with the row numbers of the original file. The functions take any httpx.Client (the
CLI builds one from --url and --token; tests pass FastAPI's TestClient)."""

import csv
import hashlib
import io
import json
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx

from app.models.interchange import COLUMN_OF, SHEET_NAMES, is_total_row

IMPORT_PATH = "/api/v1/imports/interventions"
EXPORT_PATH = "/api/v1/exports/interventions"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8", "xlsx": XLSX_TYPE}
DEFAULT_BATCH_SIZE = 500
RETRY_STATUSES = {409, 502, 503, 504}  # nothing was written; with the same Idempotency-Key a retry is safe

# Exit codes of the CLI commands.
OK, REFUSED, USAGE, UNAVAILABLE = 0, 1, 2, 3


class ClientError(Exception):
    """The file cannot be read or the request cannot be made; `code` is the exit code."""

    def __init__(self, message: str, code: int = USAGE):
        super().__init__(message)
        self.code = code


# --- reading the file ----------------------------------------------------------------------------------------


@dataclass
class Group:
    """One intervention: its rows (CSV/XLSX) or record (JSON), and where they are in the file."""

    key: str | None
    parent_key: str | None
    items: list[Any] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)


@dataclass
class ImportFile:
    format: str  # json, csv or xlsx
    digest: str  # sha256 of the file's bytes
    groups: list[Group]
    header: list[Any] = field(default_factory=list)  # CSV/XLSX
    delimiter: str = ","  # CSV

    @property
    def interventions(self) -> int:
        return len(self.groups)


def detect_format(name: str, content: bytes) -> str:
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix in MEDIA_TYPES:
        return suffix
    if content.startswith(b"PK\x03\x04"):
        return "xlsx"
    if content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
        return "json"
    return "csv"


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def read_import_file(content: bytes, fmt: str) -> ImportFile:
    digest = hashlib.sha256(content).hexdigest()
    if fmt == "json":
        try:
            records = json.loads(content.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ClientError(f"the file is not valid JSON: {exc}") from None
        if not isinstance(records, list):
            raise ClientError("the JSON file must hold an array of interventions")
        groups = _group(
            (
                (
                    i + 1,
                    record,
                    record.get("external_id") if isinstance(record, dict) else None,
                    record.get("parent_external_id") if isinstance(record, dict) else None,
                )
                for i, record in enumerate(records)
            ),
            continue_blank=False,
        )
        return ImportFile("json", digest, groups)
    if fmt == "csv":
        text = _decode_csv(content)
        first_line = text.split("\n", 1)[0]
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        header, groups = _tabular_groups(rows)
        return ImportFile("csv", digest, groups, header=header, delimiter=delimiter)
    if fmt == "xlsx":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:
            raise ClientError(f"the file is not a readable XLSX workbook ({exc.__class__.__name__})") from None
        named = [n for n in SHEET_NAMES if n in workbook.sheetnames]
        sheet = workbook[named[0]] if named else workbook.worksheets[0]
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        workbook.close()
        header, groups = _tabular_groups(rows)
        return ImportFile("xlsx", digest, groups, header=header)
    raise ClientError(f"unknown format {fmt!r}: use json, csv or xlsx")


def _tabular_groups(rows: list[list[Any]]) -> tuple[list[Any], list[Group]]:
    if not rows:
        raise ClientError("the file is empty: the first row must name the columns (see the template)")
    header = rows[0]
    # A column by its code or its Danish heading (the exports' and the template's)
    names = [COLUMN_OF.get(_text(h).strip().lower(), "") for h in header]
    key_at = names.index("external_id") if "external_id" in names else None
    parent_at = names.index("parent_external_id") if "parent_external_id" in names else None

    def cell(row: list[Any], at: int | None) -> str | None:
        return (_text(row[at]) or None) if at is not None and at < len(row) else None

    # The total rows (I alt) an export writes under the rows are no interventions: left out, as the server does.
    rows = list(rows)
    while len(rows) > 1 and (
        not any(_text(v) for v in rows[-1])
        or is_total_row({n: _text(v).strip() for n, v in zip(names, rows[-1], strict=False) if n})
    ):
        rows.pop()

    numbered = (
        (number, row, cell(row, key_at), cell(row, parent_at))
        for number, row in enumerate(rows[1:], start=2)
        if any(_text(v) for v in row)
    )
    return header, _group(numbered, continue_blank=True)


def _group(items: Iterable[tuple[int, Any, Any, Any]], *, continue_blank: bool) -> list[Group]:
    """Rows of one external_id together, in order of first appearance. A row without a key stays with the row
    before it (CSV/XLSX) or on its own (JSON), so that the server reports it where it is."""
    groups: list[Group] = []
    by_key: dict[str, Group] = {}
    for number, item, key, parent_key in items:
        key = key if isinstance(key, str) and key.strip() else None
        parent_key = parent_key if isinstance(parent_key, str) and parent_key.strip() else None
        if key is None:
            group = groups[-1] if continue_blank and groups else None
            if group is None:
                group = Group(None, parent_key)
                groups.append(group)
        else:
            group = by_key.get(key)
            if group is None:
                group = by_key[key] = Group(key, parent_key)
                groups.append(group)
        group.parent_key = group.parent_key or parent_key
        group.items.append(item)
        group.rows.append(number)
    return groups


# --- planning the batches ------------------------------------------------------------------------------------


def families(groups: Sequence[Group]) -> list[list[Group]]:
    """The file's interventions as trees (a parent and everything below it that the file holds), each in
    parent-first order with children in file order; trees in the order their first member appears."""
    by_key = {g.key: g for g in groups if g.key is not None}
    children: dict[str, list[Group]] = {}
    for g in groups:
        if g.parent_key in by_key and g.parent_key != g.key:
            children.setdefault(g.parent_key, []).append(g)

    def root_of(g: Group) -> Group:
        seen = {id(g)}
        while g.parent_key in by_key and g.parent_key != g.key:
            parent = by_key[g.parent_key]
            if id(parent) in seen:  # a cycle: the server refuses it; keep the rows together anyway
                break
            seen.add(id(parent))
            g = parent
        return g

    placed: set[int] = set()
    out = []
    for g in groups:
        if id(g) in placed:
            continue
        tree, stack = [], [root_of(g)]
        while stack:
            node = stack.pop()
            if id(node) in placed:
                continue
            placed.add(id(node))
            tree.append(node)
            stack.extend(reversed(children.get(node.key, []) if node.key is not None else []))
        out.append(tree)
    return out


def plan_batches(groups: Sequence[Group], batch_size: int) -> list[list[Group]]:
    """Whole families per batch while they fit; a family larger than a batch is cut, parents first."""
    if batch_size < 1:
        raise ClientError("the batch size must be at least 1")
    batches: list[list[Group]] = []
    current: list[Group] = []
    for tree in families(groups):
        if current and len(current) + len(tree) > batch_size:
            batches.append(current)
            current = []
        for i in range(0, len(tree), batch_size):
            part = tree[i : i + batch_size]
            if current and len(current) + len(part) > batch_size:
                batches.append(current)
                current = []
            current.extend(part)
    if current:
        batches.append(current)
    return batches


@dataclass
class Batch:
    number: int  # from 1
    total: int
    file: ImportFile
    groups: list[Group]
    idempotency_key: str
    split_family: bool = False  # holds part of a family cut at the batch size (matters in a dry run)
    # The original file's row (JSON: position) of each row/record of the body, in order.
    rows: list[int] = field(init=False)

    def __post_init__(self) -> None:
        self.rows = [row for g in self.groups for row in g.rows]

    @property
    def interventions(self) -> int:
        return len(self.groups)

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.file.format]

    @property
    def body(self) -> bytes:
        """The request body, in the file's format (made when asked, so only one batch is in memory at a time)."""
        return _body(self.file, self.groups)

    def file_row(self, row: int | None) -> int | None:
        """The original file's row for a row number the server reports for this batch's body."""
        if row is None:
            return None
        rows = self.rows
        if self.file.format == "json":
            return rows[row - 1] if 1 <= row <= len(rows) else row
        if row == 1:
            return 1  # the header
        return rows[row - 2] if 2 <= row <= len(rows) + 1 else row


def _decode_csv(content: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 (Danish Excel's 'CSV (semikolonsepareret)'), as the
    service reads it; the batches are sent on as UTF-8."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ClientError("the CSV file is UTF-16; in Excel save it as 'CSV UTF-8' or 'CSV (semikolonsepareret)'")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        if content.startswith(b"\xef\xbb\xbf"):
            raise ClientError("the CSV file starts like UTF-8 but is not UTF-8 text") from None
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError:
        raise ClientError(
            "the CSV file is neither UTF-8 nor Windows-1252 (in Excel: save as 'CSV UTF-8' or "
            "'CSV (semikolonsepareret)')"
        ) from None


def idempotency_key(digest: str, *, strategy: str, dry_run: bool, batch_size: int, number: int) -> str:
    """The same file sent with the same options gets the same keys, batch by batch."""
    text = f"{digest}|{strategy}|{'dry-run' if dry_run else 'apply'}|{batch_size}|{number}"
    return "registry-import-" + hashlib.sha256(text.encode()).hexdigest()


def _body(file: ImportFile, groups: Sequence[Group]) -> bytes:
    items = [item for g in groups for item in g.items]
    if file.format == "json":
        return json.dumps(items, ensure_ascii=False).encode()
    if file.format == "csv":
        out = io.StringIO()
        writer = csv.writer(out, delimiter=file.delimiter, lineterminator="\r\n")
        writer.writerow(file.header)
        writer.writerows(items)
        return out.getvalue().encode("utf-8")
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_NAMES[0])

    def cell(value: Any) -> Any:
        if isinstance(value, str):  # text stays text (a cell reading "=..." is not a formula)
            text = WriteOnlyCell(sheet, value=value)
            text.data_type = "s"
            return text
        return value

    sheet.append([cell(v) for v in file.header])
    for item in items:
        sheet.append([cell(v) for v in item])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_batches(file: ImportFile, *, batch_size: int, strategy: str, dry_run: bool) -> list[Batch]:
    planned = plan_batches(file.groups, batch_size)
    tree_of = {id(g): i for i, tree in enumerate(families(file.groups)) for g in tree}
    batches_of_tree: dict[int, set[int]] = {}
    for number, groups in enumerate(planned, start=1):
        for g in groups:
            batches_of_tree.setdefault(tree_of[id(g)], set()).add(number)
    batches = []
    for number, groups in enumerate(planned, start=1):
        batches.append(
            Batch(
                number=number,
                total=len(planned),
                file=file,
                groups=groups,
                idempotency_key=idempotency_key(
                    file.digest, strategy=strategy, dry_run=dry_run, batch_size=batch_size, number=number
                ),
                split_family=any(len(batches_of_tree[tree_of[id(g)]]) > 1 for g in groups),
            )
        )
    return batches


# --- sending -------------------------------------------------------------------------------------------------


class Progress:
    """A progress bar on a terminal, a line per batch otherwise."""

    def __init__(self, total_batches: int, total_interventions: int, stream: IO[str] | None = None, width: int = 30):
        self.total_batches, self.total = total_batches, total_interventions
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def update(self, batches: int, interventions: int, note: str = "") -> None:
        filled = self.width * interventions // self.total if self.total else self.width
        bar = "#" * filled + "-" * (self.width - filled)
        line = (
            f"[{bar}] {interventions}/{self.total} interventions, "
            f"batch {batches}/{self.total_batches}{' ' + note if note else ''}"
        )
        self.stream.write("\r" + line if self.tty else line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


@dataclass
class Problem:
    batch: int
    row: int | None
    column: str | None
    msg: str


@dataclass
class ImportOutcome:
    format: str
    dry_run: bool
    batches: int = 0
    sent: int = 0
    applied: int = 0  # batches answered 200
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    replayed: int = 0  # batches answered from the server's idempotency store
    items: list[dict] = field(default_factory=list)  # the server's items, rows mapped to the file
    problems: list[Problem] = field(default_factory=list)
    refused: list[int] = field(default_factory=list)  # numbers of refused batches
    messages: list[str] = field(default_factory=list)  # other errors, one line each
    problem_count: int = 0
    split_families: bool = False
    stopped: bool = False  # the service could not be reached or failed: the later batches were not sent

    @property
    def exit_code(self) -> int:
        if self.stopped:
            return UNAVAILABLE
        return REFUSED if self.refused else OK


def _post(
    client: httpx.Client, batch: Batch, *, strategy: str, dry_run: bool, retries: int, sleep: Callable[[float], None]
) -> httpx.Response:
    body = batch.body
    for attempt in range(retries + 1):
        try:
            response = client.post(
                IMPORT_PATH,
                content=body,
                params={"strategy": strategy, "dry_run": "true" if dry_run else "false"},
                headers={"Content-Type": batch.media_type, "Idempotency-Key": batch.idempotency_key},
            )
        except httpx.TransportError as exc:
            if attempt == retries:
                raise ClientError(f"batch {batch.number}: the service cannot be reached ({exc})", UNAVAILABLE) from None
        else:
            if response.status_code not in RETRY_STATUSES or attempt == retries:
                return response
        sleep(min(2**attempt, 30))
    raise AssertionError("unreachable")


def _problem_text(response: httpx.Response) -> tuple[str, dict]:
    try:
        body = response.json()
    except ValueError:
        return response.text[:500] or response.reason_phrase, {}
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("title") or body), body
    return str(body)[:500], {}


def import_file(
    client: httpx.Client,
    content: bytes,
    fmt: str,
    *,
    strategy: str = "upsert",
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: IO[str] | None = None,
    retries: int = 3,
    sleep: Callable[[float], None] | None = None,
) -> ImportOutcome:
    """Send the file in batches, showing progress on `progress` (e.g. sys.stderr). Every batch is sent and
    the refusals collected, so that one run reports every problem; only a service that cannot be reached or
    fails (5xx) stops the run."""
    file = read_import_file(content, fmt)
    batches = make_batches(file, batch_size=batch_size, strategy=strategy, dry_run=dry_run)
    outcome = ImportOutcome(
        format=file.format, dry_run=dry_run, batches=len(batches), split_families=any(b.split_family for b in batches)
    )
    bar = Progress(len(batches), file.interventions, progress) if progress is not None else None
    done = 0
    for batch in batches:
        try:
            response = _post(
                client, batch, strategy=strategy, dry_run=dry_run, retries=retries, sleep=sleep or time.sleep
            )
        except ClientError as exc:
            outcome.messages.append(str(exc))
            outcome.stopped = True
            break
        if response.status_code >= 500:
            detail, _body = _problem_text(response)
            outcome.messages.append(
                f"batch {batch.number}: the service failed (HTTP {response.status_code}: "
                f"{detail}); run the same command again later"
            )
            outcome.stopped = True
            break
        outcome.sent += 1
        done += batch.interventions
        if response.status_code == 200:
            note = _count_applied(outcome, batch, response)
        else:
            note = _count_refused(outcome, batch, response)
        if bar is not None:
            bar.update(batch.number, done, note)
    if bar is not None:
        bar.close()
    return outcome


def _count_applied(outcome: ImportOutcome, batch: Batch, response: httpx.Response) -> str:
    """A batch the service applied (or checked, in a dry run): its counts and items; the progress note."""
    report = response.json()
    outcome.applied += 1
    outcome.created += report["created"]
    outcome.updated += report["updated"]
    outcome.unchanged += report["unchanged"]
    outcome.items += [{**item, "row": batch.file_row(item["row"])} for item in report["items"]]
    if response.headers.get("Idempotent-Replayed") == "true":
        outcome.replayed += 1
        return "(already applied: the stored answer)"
    return ""


def _count_refused(outcome: ImportOutcome, batch: Batch, response: httpx.Response) -> str:
    """A batch the service refused: its problems, with the file's rows, or a message; the progress note."""
    detail, body = _problem_text(response)
    outcome.refused.append(batch.number)
    if body.get("type") == "/problems/import-rejected":
        errors = body.get("errors") or []
        outcome.problem_count += int(body.get("problem_count") or len(errors))
        outcome.problems += [
            Problem(batch.number, batch.file_row(e.get("row")), e.get("column"), e.get("msg", "")) for e in errors
        ]
    elif response.status_code == 413:
        outcome.messages.append(
            f"batch {batch.number}: too large for the service ({detail}); use a smaller --batch-size"
        )
    else:
        outcome.messages.append(f"batch {batch.number}: HTTP {response.status_code}: {detail}")
    return "refused"


def format_outcome(outcome: ImportOutcome) -> str:
    """The report a person reads: counts, then every problem with the file's row and column."""
    where = "record" if outcome.format == "json" else "row"
    lines = []
    verb = (
        "would create {c}, update {u}, leave {n} unchanged (dry run: nothing was written)"
        if outcome.dry_run
        else "created {c}, updated {u}, unchanged {n}"
    )
    lines.append(
        verb.format(c=outcome.created, u=outcome.updated, n=outcome.unchanged)
        + f" — {outcome.applied} of {outcome.batches} batch(es) accepted"
        + (f", {outcome.replayed} of them answered from an earlier run" if outcome.replayed else "")
    )
    if outcome.problems:
        shown = len(outcome.problems)
        lines.append("")
        lines.append(f"{outcome.problem_count} problem(s); nothing in a refused batch was written:")
        for p in sorted(outcome.problems, key=lambda p: (p.row is None, p.row or 0, p.batch)):
            place = f"{where} {p.row}" if p.row is not None else "file"
            lines.append(f"  {place}" + (f", {p.column}" if p.column else "") + f": {p.msg}")
        if outcome.problem_count > shown:
            lines.append(
                f"  … and {outcome.problem_count - shown} more that the service did not list "
                "(it lists the first 1000 of a request): fix these and run again"
            )
    lines.extend(outcome.messages)
    if outcome.stopped:
        lines.append(
            f"stopped after {outcome.sent} of {outcome.batches} batch(es). Run the same command again: "
            "batches already applied are answered from the service's record, not applied twice."
        )
    if outcome.refused and not outcome.dry_run and outcome.applied:
        lines.append(
            f"refused: batch(es) {', '.join(map(str, outcome.refused))}. The other batches were applied; "
            "fix the problems and run the same command again (applied records come back unchanged)."
        )
    if outcome.dry_run and outcome.split_families and outcome.refused:
        lines.append(
            "note: a family larger than --batch-size was split over batches; in a dry run its later parts "
            "cannot see the parents of the earlier ones. Use a larger --batch-size to check it whole."
        )
    return "\n".join(lines)


# --- export --------------------------------------------------------------------------------------------------


def export_to(client: httpx.Client, out: IO[bytes], *, fmt: str = "json", filters: dict[str, Any] | None = None) -> int:
    """Stream an export into `out`; the number of bytes written. Raises ClientError when refused."""
    params = {"format": fmt, **{k: v for k, v in (filters or {}).items() if v not in (None, [], False)}}
    try:
        with client.stream("GET", EXPORT_PATH, params=params) as response:
            if response.status_code != 200:
                response.read()
                detail, body = _problem_text(response)
                fields = "; ".join(
                    f"{'.'.join(map(str, e.get('loc', [])))}: {e.get('msg')}" for e in body.get("errors") or []
                )
                code = REFUSED if response.status_code < 500 else UNAVAILABLE
                raise ClientError(f"export refused (HTTP {response.status_code}): {fields or detail}", code)
            written = 0
            for chunk in response.iter_bytes():
                out.write(chunk)
                written += len(chunk)
            return written
    except httpx.TransportError as exc:
        raise ClientError(f"the service cannot be reached ({exc})", UNAVAILABLE) from None


def make_client(url: str, token: str | None = None, timeout: float = 300.0) -> httpx.Client:
    base = url.rstrip("/").removesuffix("/api/v1")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=base, headers=headers, timeout=httpx.Timeout(timeout, connect=10.0))
