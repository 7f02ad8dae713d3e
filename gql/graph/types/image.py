"""The ``Image`` type: an image of an article, a publisher, a topic or a related link.

A plain value: every field is copied from the store row, and it has no relations.
"""

from __future__ import annotations

import strawberry

from gql.store import ImageRow


@strawberry.type(description="An image of an article, a publisher, a topic or a related link.")
class Image:
    url: str = strawberry.field(description="Image address, as the source file gives it.")
    width: int | None = strawberry.field(description="Width in pixels, when known.")
    height: int | None = strawberry.field(description="Height in pixels, when known.")
    title: str | None = strawberry.field(description="Caption or title, when given.")
    is_cached: bool | None = strawberry.field(description="The source marks the image as cached.")

    @classmethod
    def from_row(cls, row: ImageRow) -> Image:
        return cls(
            url=row.url,
            width=row.width,
            height=row.height,
            title=row.title,
            is_cached=row.is_cached,
        )
