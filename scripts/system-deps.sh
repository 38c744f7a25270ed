#!/usr/bin/env bash
# Installe les paquets Debian dont les tests ont besoin, seulement s'ils manquent :
# le serveur PostgreSQL 15, Chromium (piloté par Playwright, jamais téléchargé par lui), les
# polices DejaVu, les bibliothèques de WeasyPrint (fiche quartier en PDF : Pango, HarfBuzz) et
# nginx (le test de déploiement lance le proxy frontal de la pile devant gunicorn ; le
# service système n'est pas utilisé).
set -euo pipefail
manquants=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || manquants+=(postgresql-15)
[ -x /usr/bin/chromium ] || manquants+=(chromium)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || manquants+=(nginx-core)
fc-list 2>/dev/null | grep -qi dejavu || manquants+=(fonts-dejavu-core)
for paquet in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0; do
  dpkg-query -W -f='${Status}' "$paquet" 2>/dev/null | grep -q "ok installed" || manquants+=("$paquet")
done
if [ ${#manquants[@]} -eq 0 ]; then
  echo "Paquets système : déjà présents."
  exit 0
fi
echo "Installation des paquets système : ${manquants[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${manquants[@]}" >/dev/null
