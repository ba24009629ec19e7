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
    from app.db import _session_factory, get_engine
    from app.services.demo import load_demo_data

    with _session_factory(get_engine())() as session:
        counts = load_demo_data(session)
    print(f"demo data: {counts['created']} interventions created, {counts['skipped']} already there")


def serve(host: str, port: int, workers: int, demo: bool) -> None:
    import uvicorn

    migrate()
    if demo:
        load_demo()
    uvicorn.run("app.main:app", host=host, port=port, workers=workers, proxy_headers=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="registry", description="socialbalance-registry operator tasks")
    sub = parser.add_subparsers(dest="command", required=True)
    p_serve = sub.add_parser("serve", help="migrate the database, then serve the API with uvicorn")
    p_serve.add_argument("--host", default="127.0.0.1")
    p_serve.add_argument("--port", type=int, default=8000)
    p_serve.add_argument("--workers", type=int, default=1)
    p_serve.add_argument("--demo", action="store_true", help="load the demo data before serving")
    p_migrate = sub.add_parser("migrate", help="upgrade the database named by DATABASE_URL")
    p_migrate.add_argument("revision", nargs="?", default="head")
    sub.add_parser("demo", help="load the demo data (Mørkhøj programme and example interventions)")
    sub.add_parser("openapi", help="write openapi/openapi.json from the app")
    args = parser.parse_args(argv)

    if args.command == "serve":
        serve(args.host, args.port, args.workers, args.demo)
    elif args.command == "migrate":
        migrate(args.revision)
    elif args.command == "demo":
        migrate()
        load_demo()
    elif args.command == "openapi":
        from app.openapi import main as write_openapi

        write_openapi()
    return 0


if __name__ == "__main__":
    sys.exit(main())
