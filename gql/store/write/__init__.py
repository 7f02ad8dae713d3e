"""Writing a load: one transaction on the write connection, fed chunk by chunk.

``session`` drives it (``LoadSession``); ``state`` holds one load's caches and touched
keys; ``articles`` and ``definitions`` upsert what files define; ``derived`` refreshes
what depends on many files once the chunks are written (slugs, link targets, publisher
names and merged images, unused topics).
"""
