"""`registry`: operator tasks. `registry --help` lists them."""

import argparse
import sys
from pathlib import Path


def _project_root() -> Path:
    """Where alembic.ini and migrations/ are: beside the package in a checkout, else the working directory
    (the Docker image installs the package and keeps the migrations in its WORKDIR)."""
    for candidate in (Path(__file__).resolve().parent.parent, Path.cwd()):
        if (candidate / "alembic.ini").is_file() and (candidate / "migrations").is_dir():
            return candidate
    raise SystemExit("alembic.ini and migrations/ not found: run registry from the project directory")


def _alembic_config(database_url: str | None = None):
    from alembic.config import Config

    root = _project_root()
    config = Config(str(root / "alembic.ini"))
    config.set_main_option("script_location", str(root / "migrations"))
    if database_url:
        config.attributes["database_url"] = database_url
    return config


def migrate(revision: str = "head") -> None:
    from alembic import command

    command.upgrade(_alembic_config(), revision)


def load_demo() -> None:
    from app.db import open_session
    from app.services.demo import load_demo_data

    with open_session() as session:
        counts = load_demo_data(session)
    print(f"demo data: {counts['created']} interventions created, {counts['skipped']} already there")


def _session():
    from app.db import open_session

    return open_session()


def demo_admin_token() -> str:
    """A fresh admin token for the local demo (the old demo token is revoked, and the operator is told so: only
    hashes are kept, so an old token cannot be shown again)."""
    from sqlalchemy import select, update

    from app.models.auth import ApiToken, Role, TokenCreate
    from app.services.auth import create_token, revoke_token

    name = "demo-admin"
    with _session() as session:
        old = session.execute(select(ApiToken.id).where(ApiToken.name == name)).scalar_one_or_none()
        if old is not None:
            # The name is unique: the old one steps aside, and is revoked once the new one exists (the last
            # admin token cannot be revoked).
            session.execute(update(ApiToken).where(ApiToken.id == old).values(name=f"{name}-{old}"))
            session.commit()
        token = create_token(session, TokenCreate(name=name, role=Role.admin)).token
        if old is not None:
            revoke_token(session, token_id=old)
            print(
                "The demo token of the previous start is revoked (a token is shown only once): "
                "use the new one below and export it again."
            )
        return token


def serve(host: str, port: int, workers: int, demo: bool) -> None:
    import uvicorn

    migrate()
    if demo:
        load_demo()
        token = demo_admin_token()
        # The same two lines the README's tour starts with, so they can be pasted into another terminal as they are.
        print(f"\nThe registry with demo data: http://{host}:{port}/  (sign in with the token below)")
        print(f"The API: http://{host}:{port}/docs  (Authorize with the same token)")
        print("For the README's tour, in another terminal:")
        print(f"  export TOKEN={token}")
        print(f'  export AUTH="Authorization: Bearer {token}"\n', flush=True)
    # Our middleware writes the access log as JSON lines with the request id; uvicorn's would repeat it.
    uvicorn.run(
        "app.main:app", host=host, port=port, workers=workers, proxy_headers=True, access_log=False, log_config=None
    )


def token_command(args) -> int:
    from app.errors import AppError
    from app.models.auth import Role, TokenCreate
    from app.services.auth import create_token, list_tokens, revoke_token

    migrate()
    with _session() as session:
        try:
            if args.token_command == "create":
                created = create_token(
                    session, TokenCreate(name=args.name, role=Role(args.role), department=args.department)
                )
                print(
                    f"created token {created.id} '{created.name}' ({created.role}"
                    f"{' of ' + created.department if created.department else ''}); it is shown only now:"
                )
                print(created.token)
            elif args.token_command == "list":
                for t in list_tokens(session).items:
                    state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
                    print(f"{t.id:>4}  {t.name:<30} {t.role:<13} {t.department or '-':<5} {state}")
            else:
                target = args.token
                revoked = (
                    revoke_token(session, token_id=int(target))
                    if target.isdigit()
                    else revoke_token(session, name=target)
                )
                print(f"revoked token {revoked.id} '{revoked.name}'")
        except AppError as exc:
            print(f"registry token: {exc.detail}", file=sys.stderr)
            return 1
    return 0


def import_command(args) -> int:
    from app import client as api

    path = Path(args.file)
    try:
        content = path.read_bytes()
    except OSError as exc:
        print(f"registry import: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return api.USAGE
    fmt = args.format or api.detect_format(path.name, content)
    try:
        with api.make_client(args.url, args.token) as http:
            outcome = api.import_file(
                http,
                content,
                fmt,
                strategy=args.strategy,
                dry_run=args.dry_run,
                batch_size=args.batch_size,
                progress=sys.stderr,
            )
    except api.ClientError as exc:
        print(f"registry import: {exc}", file=sys.stderr)
        return exc.code
    print(api.format_outcome(outcome))
    return outcome.exit_code


def export_command(args) -> int:
    from app import client as api

    names = (
        "department",
        "area",
        "theme",
        "indicator",
        "kind",
        "status",
        "track",
        "year",
        "parent_id",
        "external_id",
        "q",
        "include_archived",
    )
    filters = {name: getattr(args, name) for name in names}
    if args.output is None and args.format == "xlsx" and sys.stdout.isatty():
        print("registry export: an XLSX file is binary; give --output FILE", file=sys.stderr)
        return api.USAGE
    try:
        with api.make_client(args.url, args.token) as http:
            if args.output is None:
                api.export_to(http, sys.stdout.buffer, fmt=args.format, filters=filters)
                sys.stdout.buffer.flush()
            else:
                # Written beside the target and renamed, so a failed export never leaves half a file.
                target = Path(args.output)
                partial = target.with_name(target.name + ".partial")
                try:
                    with partial.open("wb") as out:
                        size = api.export_to(http, out, fmt=args.format, filters=filters)
                    partial.replace(target)
                finally:
                    partial.unlink(missing_ok=True)
                print(f"wrote {target} ({size} bytes)", file=sys.stderr)
    except api.ClientError as exc:
        print(f"registry export: {exc}", file=sys.stderr)
        return exc.code
    except OSError as exc:
        print(f"registry export: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
        return api.USAGE
    return api.OK


def backup_command(args) -> int:
    from app.config import get_settings
    from app.core.backup import BackupError, backup

    try:
        done = backup(get_settings().database_url, args.file)
    except BackupError as exc:
        print(f"registry backup: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {done.path} ({done.size} bytes, {done.dialect}, schema revision {done.revision or 'none'})")
    return 0


def restore_command(args) -> int:
    from alembic.script import ScriptDirectory

    from app.config import get_settings
    from app.core.backup import BackupError, restore

    try:
        done = restore(get_settings().database_url, args.file, force=args.force)
    except BackupError as exc:
        print(f"registry restore: {exc}", file=sys.stderr)
        return 1
    print(f"restored {done.path} ({done.dialect}, schema revision {done.revision})")
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    if done.revision != head:
        print(
            f"the backup's schema is at {done.revision}, this version of the registry at {head}: "
            f"run `registry migrate` before serving",
            file=sys.stderr,
        )
    return 0


def _add_connection(parser: argparse.ArgumentParser) -> None:
    import os

    url = os.environ.get("REGISTRY_URL")
    parser.add_argument(
        "--url",
        default=url,
        required=url is None,
        help="the service, e.g. https://registry.example.dk (default: $REGISTRY_URL)",
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("REGISTRY_TOKEN"),
        help="sent as 'Authorization: Bearer TOKEN' (default: $REGISTRY_TOKEN)",
    )


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def serve_command(args) -> int:
    serve(args.host, args.port, args.workers, args.demo)
    return 0


def migrate_command(args) -> int:
    migrate(args.revision)
    return 0


def demo_command(args) -> int:
    migrate()
    load_demo()
    return 0


def openapi_command(args) -> int:
    from app.openapi import main as write_openapi

    write_openapi()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return args.run(args)


def _parser() -> argparse.ArgumentParser:
    """One sub-command per task; each names the function that runs it (`run`)."""
    parser = argparse.ArgumentParser(prog="registry", description="socialbalance-registry operator tasks")
    sub = parser.add_subparsers(dest="command", required=True)
    p_serve = sub.add_parser("serve", help="migrate the database, then serve the API with uvicorn")
    p_serve.add_argument("--host", default="127.0.0.1")
    p_serve.add_argument("--port", type=int, default=8000)
    p_serve.add_argument("--workers", type=int, default=1)
    p_serve.add_argument("--demo", action="store_true", help="load the demo data before serving")
    p_serve.set_defaults(run=serve_command)
    p_migrate = sub.add_parser("migrate", help="upgrade the database named by DATABASE_URL")
    p_migrate.add_argument("revision", nargs="?", default="head")
    p_migrate.set_defaults(run=migrate_command)
    sub.add_parser("demo", help="load the demo data (Mørkhøj programme and example interventions)").set_defaults(
        run=demo_command
    )
    sub.add_parser("openapi", help="write openapi/openapi.json from the app").set_defaults(run=openapi_command)
    _add_import_parser(sub)
    _add_export_parser(sub)
    _add_token_parser(sub)
    _add_backup_parsers(sub)
    return parser


def _add_import_parser(sub) -> None:
    p_import = sub.add_parser(
        "import",
        help="import interventions from a JSON, CSV or XLSX file, in batches, safe to run again",
        description="Sends the file to POST /api/v1/imports/interventions in batches (all rows of one external_id "
        "together, parents first), each with an Idempotency-Key derived from the file's content, so a "
        "rerun after a crash applies nothing twice. Prints every problem with the file's row and "
        "column. Exit status: 0 all applied, 1 something refused, 2 bad usage or unreadable file, "
        "3 service unreachable or failing.",
    )
    p_import.add_argument("file", help="a .json, .csv or .xlsx file in the import format (see the template)")
    _add_connection(p_import)
    p_import.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    p_import.add_argument("--strategy", choices=["upsert", "create", "update"], default="upsert")
    p_import.add_argument(
        "--batch-size", type=_positive, default=500, metavar="N", help="interventions per request (default 500)"
    )
    p_import.add_argument("--format", choices=["json", "csv", "xlsx"], help="default: from the file name")
    p_import.set_defaults(run=import_command)


def _add_export_parser(sub) -> None:
    p_export = sub.add_parser(
        "export",
        help="export interventions (JSON, CSV or XLSX) in the import format",
        description="Writes GET /api/v1/exports/interventions to --output or standard output. Filters as in the "
        "list; repeat one for several values (--theme T1 --theme T4).",
    )
    _add_connection(p_export)
    p_export.add_argument("--format", choices=["json", "csv", "xlsx"], default="json")
    p_export.add_argument("--output", "-o", metavar="FILE", help="default: standard output")
    for name in ("department", "area", "theme", "kind", "status", "track"):
        p_export.add_argument(f"--{name}", action="append", default=[])
    p_export.add_argument("--indicator", action="append", type=int, default=[])
    p_export.add_argument("--year", action="append", type=int, default=[])
    p_export.add_argument("--parent-id", type=int)
    p_export.add_argument("--external-id")
    p_export.add_argument("--q", help="search in name and description")
    p_export.add_argument("--include-archived", action="store_true")
    p_export.set_defaults(run=export_command)


def _add_token_parser(sub) -> None:
    p_token = sub.add_parser("token", help="create, list or revoke API tokens")
    p_token.set_defaults(run=token_command)
    token_sub = p_token.add_subparsers(dest="token_command", required=True)
    p_create = token_sub.add_parser("create", help="create a token; it is printed as the last line, once")
    p_create.add_argument("--role", required=True, choices=["admin", "editor", "pool_manager", "reader"])
    p_create.add_argument("--department", help="the department of an editor (BKF, SSF, BMF, SOB)")
    p_create.add_argument("--name", required=True, help="unique; the audit log names changes by it")
    token_sub.add_parser("list", help="list tokens (never the tokens themselves)")
    p_revoke = token_sub.add_parser("revoke", help="revoke a token by id or name")
    p_revoke.add_argument("token", help="the token's id or name")


def _add_backup_parsers(sub) -> None:
    p_backup = sub.add_parser(
        "backup",
        help="write a consistent copy of the database to FILE (safe while the service runs)",
        description="SQLite: the online backup API, one snapshot, a plain .sqlite file. PostgreSQL: pg_dump "
        "--format=custom. The database is the one DATABASE_URL names.",
    )
    p_backup.add_argument("file")
    p_backup.set_defaults(run=backup_command)
    p_restore = sub.add_parser(
        "restore",
        help="replace the database's content with a backup made by `registry backup`",
        description="SQLite: copied back through the online backup API in one transaction. PostgreSQL: pg_restore "
        "--clean --if-exists --no-owner --single-transaction. Stop the service first: the restore "
        "refuses while another process uses the database.",
    )
    p_restore.add_argument("file")
    p_restore.add_argument("--force", action="store_true", help="restore even though other processes use the database")
    p_restore.set_defaults(run=restore_command)


if __name__ == "__main__":
    sys.exit(main())
