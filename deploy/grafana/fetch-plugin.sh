#!/usr/bin/env bash
# Puts the ClickHouse data source plugin that compose pins into deploy/grafana/plugins/, for
# servers without internet access: run once where there is, then copy the folder along.
# docker-compose.yml's grafana-plugins copies it into Grafana's volume before Grafana starts;
# online, Grafana installs it in the background anyway.
set -euo pipefail
cd "$(dirname "$0")"
VERSION=4.20.0
DEST=plugins/grafana-clickhouse-datasource
URL="https://grafana.com/api/plugins/grafana-clickhouse-datasource/versions/$VERSION/download?os=linux&arch=amd64"
mkdir -p plugins
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
curl -fsSL "$URL" -o "$tmp/plugin.zip"
rm -rf "$DEST"
unzip -q "$tmp/plugin.zip" -d "$tmp/unpacked"
mv "$tmp/unpacked/grafana-clickhouse-datasource" "$DEST"
echo "plugin $VERSION in deploy/grafana/$DEST"
