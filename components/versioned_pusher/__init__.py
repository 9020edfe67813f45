"""VersionedPusher: TFX's Pusher with sequential versions 1, 2, 3 and no duplicate pushes."""
from components.versioned_pusher.component import VersionedPusher

__all__ = ["VersionedPusher"]
