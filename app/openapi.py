"""Write the OpenAPI document the app serves to openapi/openapi.json: `python -m app.openapi`."""

import json
import sys
from pathlib import Path

SPEC_PATH = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"


def render() -> str:
    from app.main import create_app

    return json.dumps(create_app().openapi(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def main() -> None:
    SPEC_PATH.parent.mkdir(parents=True, exist_ok=True)
    SPEC_PATH.write_text(render(), encoding="utf-8")
    print(
        f"wrote {SPEC_PATH.relative_to(Path.cwd()) if SPEC_PATH.is_relative_to(Path.cwd()) else SPEC_PATH}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
