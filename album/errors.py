"""One exception family whose messages are fit to show a user (CLI prints them on one line)."""


class AlbumError(Exception):
    """Base of every error the core raises on purpose; the message is user-facing."""


class ConfigError(AlbumError):
    """Settings, profiles or fonts are missing or unusable."""


class IngestError(AlbumError):
    """A file or captions sheet could not be imported; the message names the reason."""


class TooLongError(IngestError):
    """A text field is longer than its column allows (the message names the field)."""


class LayoutError(AlbumError):
    """A page template is invalid or a book could not be paginated."""


class RenderError(AlbumError):
    """A PDF could not be written."""


class NotFoundError(AlbumError):
    """A requested album, chapter or photo does not exist."""


class ConflictError(AlbumError):
    """Someone else changed the record since it was loaded (optimistic locking)."""

    def __init__(self, message: str = "已被他人修改，请刷新后重试") -> None:
        super().__init__(message)


class RenderCancelled(AlbumError):
    """An editor cancelled the render job while it ran."""

    def __init__(self, message: str = "渲染已取消") -> None:
        super().__init__(message)


class MediaStoreError(AlbumError):
    """The media store (an S3 bucket) refused or failed a read or a write."""
