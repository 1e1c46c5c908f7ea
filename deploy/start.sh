#!/bin/sh
# The image's start command (Dockerfile CMD): bring the schema up to date, import the banks shipped in the image
# (a re-import keeps every learner's history: questions keep their ids, vanished ones are retired), then serve.
# Everything is read from PREPLAB_* variables (app/settings.py): the database, accounts, workers, host and port.
set -eu
preplab migrate
preplab import
exec preplab serve
