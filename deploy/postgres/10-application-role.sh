#!/bin/sh
# Run once by the postgres image when the data volume is new (compose.yaml): the role
# the application runs as. It owns nothing; `manage.py access_log_grants` (the migrate
# service) gives it its rights, and only INSERT and SELECT on the access log.
set -eu
psql -v ON_ERROR_STOP=1 -v app_password="$STAFETT_APP_DB_PASSWORD" \
     --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE ROLE stafett_app LOGIN PASSWORD :'app_password';
SQL
