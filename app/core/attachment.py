"""A file answered as an attachment (Content-Disposition), for every download the routers offer."""

from fastapi import Response


def attachment(body: bytes, media_type: str, filename: str) -> Response:
    return Response(body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
