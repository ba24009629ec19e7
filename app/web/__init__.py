"""The web interface in Danish: pages beside the API, on the same services (see STYLE.md, "Where the web pages
go"). `install(app)` adds the page routes and the static files; none of them appears in the OpenAPI document."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.web import (
    figure_imports,
    imports,
    indicators,
    intervention_edit,
    intervention_parts,
    interventions,
    organisations,
    overview,
    pool_admin,
    pool_forms,
    pools,
    report,
    rounds,
    signin,
)

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    # The forms before the case page: /indsatser/ny is not /indsatser/{intervention_id}.
    for module in (
        signin,
        overview,
        intervention_edit,
        intervention_parts,
        interventions,
        pools,
        pool_forms,
        pool_admin,
        organisations,
        report,
        rounds,
        indicators,
        figure_imports,  # before imports: /importer/tal is not /importer/{upload_id}
        imports,
    ):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
