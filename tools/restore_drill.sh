#!/usr/bin/env bash
# The restore drill of docs/deploy.md, run end to end on this machine (`make restore-drill`):
# a database with an audit trail, an anchor published from it, a pg_dump backup, a restore
# into an empty database, and the restored chain verified against the anchor. The same
# commands an operator runs, with throw-away databases on the local PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

server="postgresql+psycopg://postgres@127.0.0.1:5432"
psql_admin=(psql -h 127.0.0.1 -U postgres -d postgres -q -v ON_ERROR_STOP=1)
live="permit_drill_live_$$"
restored="permit_drill_restored_$$"
folder="$(mktemp -d)"
flask=(.venv/bin/flask --app wsgi)
cleanup() {
  "${psql_admin[@]}" -c "DROP DATABASE IF EXISTS $live WITH (FORCE)" \
    -c "DROP DATABASE IF EXISTS $restored WITH (FORCE)" || true
  rm -rf "$folder"
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }

step "1. A live database with an audit trail (migrated, demo data and 2,000 more events)"
"${psql_admin[@]}" -c "CREATE DATABASE $live"
export DATABASE_URL="$server/$live"
"${flask[@]}" db upgrade >/dev/null 2>&1
echo "migrated to: $("${flask[@]}" db current 2>/dev/null | tail -n 1)"
"${flask[@]}" seed-demo --password "drill-$(date +%s)-quietly" >/dev/null 2>&1
"${flask[@]}" seed-scale --requests 200 --events 2000 >/dev/null 2>&1

step "2. Publish an anchor: the chain head, kept somewhere the database's owners cannot change"
anchor="$("${flask[@]}" audit head)"
echo "anchor: $anchor"

step "3. Back up: pg_dump in PostgreSQL's custom format"
pg_dump -h 127.0.0.1 -U postgres --format=custom --no-owner --file "$folder/permit.dump" "$live"
ls -l "$folder/permit.dump" | awk '{print "backup: " $5 " bytes"}'

step "4. Restore into an empty database"
"${psql_admin[@]}" -c "CREATE DATABASE $restored"
pg_restore -h 127.0.0.1 -U postgres --no-owner --exit-on-error -d "$restored" "$folder/permit.dump"
export DATABASE_URL="$server/$restored"
echo "migration: $("${flask[@]}" db current 2>/dev/null | tail -n 1)"

step "5. Verify the restored chain, and that it still holds the anchor"
"${flask[@]}" audit verify --anchor "$anchor"
head_now="$("${flask[@]}" audit head)"
echo "head after restore: $head_now"
if [ "$head_now" != "$anchor" ]; then
  echo "FAIL: the restored head is not the anchor" >&2
  exit 1
fi

step "6. The restored database still refuses to change a sealed event"
if psql -h 127.0.0.1 -U postgres -d "$restored" -q -v ON_ERROR_STOP=1 \
  -c "UPDATE audit_events SET payload = '{}' WHERE seq = 1" 2>"$folder/refused.txt"; then
  echo "FAIL: UPDATE of an audit event was allowed after restore" >&2
  exit 1
fi
echo "refused: $(head -n 1 "$folder/refused.txt")"
echo
echo "restore drill: passed"
