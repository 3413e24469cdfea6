#!/usr/bin/env bash
# Local dev/test stack without Docker: Kafka (KRaft), PostgreSQL, FerretDB (on PostgreSQL),
# Mailpit, the SRI sandbox, the Python services and the nginx gateway, all as plain processes with
# state under <repo>/.local/.
#
#   stack.sh install | certs | up | down | status | services | start|stop|restart <part> | logs <part> [-f]
#
# Parts: kafka postgres ferretdb mailpit sri smsc <services...> gateway. Every command is idempotent.
# The services, their ports and settings come from services.toml (scripts/registry.py).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$ROOT/deploy/local
LOCAL=$ROOT/.local

INFRA="kafka postgres ferretdb mailpit sri smsc"
# FerretDB's backend: postgresql (default: equality filters on any field run in SQL) or sqlite (the
# old one, kept in .local/data/ferretdb; it filters every query but {_id: x} in Go, reading each document).
FERRETDB_HANDLER=${FERRETDB_HANDLER:-postgresql}

UV_VERSION=0.13.8
MAILPIT_VERSION=v1.33.1
AXE_CORE_VERSION=4.14.1
# PostgreSQL (Debian's server) listens on a unix socket only, no TCP: nothing to clash with a
# system cluster on :5432. The port only names the socket file (.s.PGSQL.5433).
PG_PORT=5433
PG_DB=ferretdb
# Fixed KRaft cluster id (base64url of "selfcare-local-1"): one local node, nothing to collide with.
KAFKA_CLUSTER_ID=c2VsZmNhcmUtbG9jYWwtMQ
KAFKA_PORT=9092
KAFKA_CONTROLLER_PORT=9093
# Kafka takes SASL/SCRAM-SHA-512 clients only (no TLS: loopback), with ACLs: the super-user admin
# (the broker itself, scripts/kafka_acls.py, the tests) and one principal per service, each with a
# password generated into .local/secrets/kafka-<user>.password (see kafka_password).
KAFKA_MECHANISM=SCRAM-SHA-512

GATEWAY_PORT=${GATEWAY_PORT:-8080}
# Per-client limits at the gateway (deploy/gateway/); make test's stack turns them off.
GATEWAY_RATE_LIMITS=${GATEWAY_RATE_LIMITS:-on}
# SRI sandbox (deploy/local/sri-sandbox): SRI's offline SOAP services for billing, on loopback.
SRI_PORT=8106
# SMSC simulator (deploy/local/smsc-simulator): SMPP 3.4 for notifier's SMS, and an HTTP API with
# what it received and its fault switches. Its one ESME account: selfcare / a generated password.
SMSC_SMPP_PORT=2775
SMSC_HTTP_PORT=8026
SMSC_SYSTEM_ID=selfcare
# Dev key material, generated on first `up` (never in git): a CA the SRI sandbox trusts and the
# demo issuer's signing certificate (PKCS#12 + password) for billing. See make_certs.
SECRETS=$LOCAL/secrets
SRI_CA=$SECRETS/sri-dev-ca.pem
SIGNING_P12=$SECRETS/billing-signing.p12
SIGNING_PASSWORD_FILE=$SECRETS/billing-signing.password
# identity's access-token signing key (Ed25519, PEM PKCS#8), generated once. See make_token_signing_key.
TOKEN_SIGNING_KEY=$SECRETS/identity-signing.pem
# The demo issuer of deploy/local/demo_data.py: its certificate names it like an Ecuadorian one.
DEMO_ISSUER_RUC=1790011674001
DEMO_ISSUER_NAME="TELECOMUNICACIONES DEMO DEL ECUADOR S.A."
OPERATOR_EMAIL=${OPERATOR_EMAIL:-operador@demo.ec}

log() { printf '%s\n' "stack: $*" >&2; }
die() { printf '%s\n' "stack: ERROR: $*" >&2; exit 1; }

# The registry (services.toml) as bash arrays keyed by service: REGISTRY_SERVICES (in start
# order), SERVICE_PORT, SERVICE_PATH, SERVICE_NEEDS, SERVICE_PASSTHROUGH, SERVICE_ENV (its plain
# settings, KEY=VALUE lines) and GATEWAY_UPSTREAM (template variable -> host:port).
REGISTRY=$(python3 "$ROOT/scripts/registry.py" shell) || die "cannot read services.toml (above)"
eval "$REGISTRY"
# Python services started by `up`, in order. STACK_SERVICES overrides it for one run (e.g.
# STACK_SERVICES= for the infrastructure only); it may name registry services only.
SERVICES=${STACK_SERVICES-$REGISTRY_SERVICES}

pidfile() { echo "$LOCAL/run/$1.pid"; }
logfile() { echo "$LOCAL/logs/$1.log"; }
relpath() { echo "${1#"$ROOT"/}"; }

is_service() { [[ -n ${SERVICE_PORT[$1]:-} ]]; }
all_parts() { echo "$INFRA $SERVICES gateway"; }

# ---------------------------------------------------------------- install

APT_UPDATED=
apt_install() {
    if [[ -z $APT_UPDATED ]]; then
        log "apt-get update"
        apt-get update -qq >/dev/null
        APT_UPDATED=1
    fi
    log "apt-get install $*"
    # RUNLEVEL=1: Debian's postinst must not start a system nginx on :80 (or prometheus on :9090).
    DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Hash of the given files (contents and names), to rebuild only when sources change.
files_hash() { sha256sum "$@" | sha256sum | cut -d' ' -f1; }

install_tools() {
    local pkgs=()
    [[ -x /usr/sbin/nginx ]] || pkgs+=(nginx)
    command -v envsubst >/dev/null || pkgs+=(gettext-base)
    command -v curl >/dev/null || pkgs+=(curl)
    command -v java >/dev/null || pkgs+=(openjdk-17-jre-headless)
    command -v mvn >/dev/null || pkgs+=(maven)
    command -v xmlsec1 >/dev/null || pkgs+=(xmlsec1)
    command -v promtool >/dev/null || pkgs+=(prometheus) # promtool: tests of the alert rules
    command -v openssl >/dev/null || pkgs+=(openssl)
    # The RIDE renderer (WeasyPrint) lays text out with Pango and subsets fonts with HarfBuzz; its
    # tests read the PDFs back with poppler (pdftotext, pdftoppm, pdfdetach) and zbarimg.
    compgen -G '/usr/lib/*/libpangoft2-1.0.so.0' >/dev/null || pkgs+=(libpango-1.0-0 libpangoft2-1.0-0)
    compgen -G '/usr/lib/*/libharfbuzz-subset.so.0' >/dev/null || pkgs+=(libharfbuzz-subset0)
    command -v pdftotext >/dev/null || pkgs+=(poppler-utils)
    command -v zbarimg >/dev/null || pkgs+=(zbar-tools)
    # identity's audio captcha speaks Spanish digits with Debian's espeak-ng (es-419 voice).
    command -v espeak-ng >/dev/null || pkgs+=(espeak-ng)
    # The portal's browser tests drive Debian's headless Chromium with Playwright (no browser
    # download); axe-core (npm) is injected into its pages for the accessibility scan.
    [[ -x /usr/bin/chromium ]] || pkgs+=(chromium)
    command -v npm >/dev/null || pkgs+=(npm)
    if ((${#pkgs[@]})); then apt_install "${pkgs[@]}"; fi
    # The Go toolchain lives outside PATH in some non-login shells.
    if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then PATH=$PATH:/usr/local/go/bin; fi
    command -v go >/dev/null || die "Go is required (FerretDB and Mailpit are built from source); Debian's golang is too old"
}

# `uv` on PATH, else `python3 -m uv` (pip may put it where a pyenv shim is not yet made).
UV=(uv)
install_uv() {
    if command -v uv >/dev/null; then UV=(uv); return; fi
    if ! python3 -m uv --version >/dev/null 2>&1; then
        log "installing uv $UV_VERSION"
        python3 -m pip install -q "uv==$UV_VERSION"
        if command -v pyenv >/dev/null; then pyenv rehash; fi
    fi
    if command -v uv >/dev/null; then UV=(uv); else UV=(python3 -m uv); fi
}

VENV_CHECKED=
install_venv() {
    [[ -z $VENV_CHECKED ]] || return 0
    VENV_CHECKED=1
    if [[ ! -f $ROOT/uv.lock ]]; then
        log "no uv.lock yet: skipping the Python venv"
        return
    fi
    local stamp=$LOCAL/run/venv.hash h
    local -a pyprojects
    mapfile -t pyprojects < <(cd "$ROOT" && find . -name pyproject.toml -not -path './.venv/*' -not -path './.local/*' | sort)
    h=$(cd "$ROOT" && files_hash uv.lock "${pyprojects[@]}")
    if [[ -x $ROOT/.venv/bin/python && -f $stamp && $(<"$stamp") == "$h" ]]; then return; fi
    install_uv
    log "uv sync --frozen"
    (cd "$ROOT" && "${UV[@]}" sync --frozen -q)
    echo "$h" >"$stamp"
}

kafka_cp() { echo "$LOCAL/kafka/classpath.txt"; }
install_kafka() {
    local cp stamp=$LOCAL/kafka/pom.hash h
    cp=$(kafka_cp)
    h=$(files_hash "$HERE/kafka/pom.xml")
    # Done when the pom is unchanged and every jar is still in ~/.m2.
    if [[ -f $cp && -f $stamp && $(<"$stamp") == "$h" ]] &&
        tr ':' '\n' <"$cp" | while read -r j; do [[ -f $j ]] || exit 1; done; then
        return
    fi
    log "resolving Kafka jars (mvn)"
    mvn -q -B -f "$HERE/kafka/pom.xml" dependency:build-classpath \
        -Dmdep.includeScope=runtime -Dmdep.outputFile="$cp.tmp" >"$LOCAL/logs/kafka-install.log" 2>&1 ||
        die "mvn failed; see $(relpath "$LOCAL/logs/kafka-install.log")"
    mv "$cp.tmp" "$cp"
    echo "$h" >"$stamp"
}

# veraPDF (PDF/A validation of the RIDE, services/rendering tests): Main.java built against
# org.verapdf:validation-model, the jar and its classpath in .local/verapdf/. Rebuilt when the pom
# or the source changes, or a jar left ~/.m2.
install_verapdf() {
    local dir=$LOCAL/verapdf h
    h=$(cd "$HERE/verapdf" && files_hash pom.xml src/main/java/local/selfcare/verapdf/Main.java)
    if [[ -f $dir/target/verapdf-check.jar && -f $dir/classpath.txt && -f $dir/pom.hash &&
        $(<"$dir/pom.hash") == "$h" ]] &&
        tr ':' '\n' <"$dir/classpath.txt" | while read -r j; do [[ -f $j ]] || exit 1; done; then
        return
    fi
    log "building the veraPDF checker (mvn)"
    mkdir -p "$dir"
    mvn -q -B -f "$HERE/verapdf/pom.xml" -DskipTests package dependency:build-classpath \
        -Dmdep.includeScope=runtime -Dmdep.outputFile="$dir/classpath.txt.tmp" \
        >"$LOCAL/logs/verapdf-install.log" 2>&1 ||
        die "mvn failed; see $(relpath "$LOCAL/logs/verapdf-install.log")"
    mv "$dir/classpath.txt.tmp" "$dir/classpath.txt"
    echo "$h" >"$dir/pom.hash"
}

install_ferretdb() {
    local bin=$LOCAL/bin/ferretdb-local stamp=$LOCAL/bin/ferretdb-local.hash h
    h=$(cd "$HERE/ferretdb" && files_hash main.go go.mod go.sum)
    if [[ -x $bin && -f $stamp && $(<"$stamp") == "$h" ]]; then return; fi
    log "building FerretDB (go build; first time takes a minute or two)"
    (cd "$HERE/ferretdb" && go build -buildvcs=false -trimpath -o "$bin" .) \
        >"$LOCAL/logs/ferretdb-install.log" 2>&1 ||
        die "go build failed; see $(relpath "$LOCAL/logs/ferretdb-install.log")"
    echo "$h" >"$stamp"
}

# Debian's PostgreSQL server (bookworm: 15). RUNLEVEL=1 in apt_install keeps the package's own
# cluster on :5432 from being started; ours is a separate one (see pg_paths).
install_postgres() {
    if ! compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then apt_install postgresql; fi
    if [[ $EUID -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
        die "no 'postgres' system user (the postgresql package creates it); the server refuses to run as root"
    fi
}

install_mailpit() {
    local bin=$LOCAL/bin/mailpit stamp=$LOCAL/bin/mailpit.version
    if [[ -x $bin && -f $stamp && $(<"$stamp") == "$MAILPIT_VERSION" ]]; then return; fi
    log "building Mailpit $MAILPIT_VERSION (go install; first time takes a minute)"
    (cd "$LOCAL" && GOBIN=$LOCAL/bin go install "github.com/axllent/mailpit@$MAILPIT_VERSION") \
        >"$LOCAL/logs/mailpit-install.log" 2>&1 ||
        die "go install failed; see $(relpath "$LOCAL/logs/mailpit-install.log")"
    echo "$MAILPIT_VERSION" >"$stamp"
}

install_part() {
    case $1 in
    kafka | postgres | ferretdb | mailpit) "install_$1" ;;
    gateway) ;; # nginx comes from install_tools
    *) install_venv ;;
    esac
}

# axe-core, pinned, from the npm registry into .local (the browser tests inject axe.min.js).
install_axe() {
    local dir=$LOCAL/axe-core
    [[ -f $dir/$AXE_CORE_VERSION/axe.min.js ]] && return
    log "fetching axe-core $AXE_CORE_VERSION (npm)"
    rm -rf "$dir" && mkdir -p "$dir/tmp"
    (cd "$dir/tmp" && npm pack -q "axe-core@$AXE_CORE_VERSION" >/dev/null 2>"$LOCAL/logs/axe-install.log" &&
        tar -xzf "axe-core-$AXE_CORE_VERSION.tgz") ||
        die "npm pack failed; see $(relpath "$LOCAL/logs/axe-install.log")"
    mkdir -p "$dir/$AXE_CORE_VERSION"
    mv "$dir/tmp/package/axe.min.js" "$dir/$AXE_CORE_VERSION/axe.min.js"
    rm -rf "$dir/tmp"
}

cmd_install() {
    install_tools
    install_uv
    install_venv
    install_kafka
    install_verapdf
    install_axe
    install_postgres
    install_ferretdb
    install_mailpit
}

# ---------------------------------------------------------------- certificates

# Generates (once) with the openssl CLI, in a 0700 directory with 0600 files:
#  - sri-dev-ca.pem: a self-signed dev CA (its key is thrown away: nothing else is ever issued);
#  - billing-signing.p12: the demo issuer's signing key and certificate (KeyUsage
#    digitalSignature + nonRepudiation, as Ecuadorian signing certificates have) plus the CA,
#    encrypted with the random password in billing-signing.password (no trailing newline).
# Then billing's own loader (billing.adapters.signing.load_pkcs12) must accept the PKCS#12.
make_certs() {
    if [[ -s $SRI_CA && -s $SIGNING_P12 && -s $SIGNING_PASSWORD_FILE ]]; then return; fi
    command -v openssl >/dev/null || die "openssl is required (stack.sh install brings it)"
    log "generating the dev CA and the billing signing certificate in $(relpath "$SECRETS")"
    mkdir -p "$SECRETS"
    chmod 700 "$SECRETS"
    local tmp
    tmp=$(mktemp -d "$SECRETS/.new.XXXXXX")
    if ! (
        set -e
        umask 077
        cd "$tmp"
        openssl rand -hex 24 | tr -d '\n' >password
        openssl req -x509 -newkey rsa:2048 -sha256 -days 3650 -nodes -keyout ca.key -out ca.pem \
            -subj "/C=EC/O=Selfcare Local/CN=SRI DEV CA (local stack only)" \
            -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
            -addext "subjectKeyIdentifier=hash"
        openssl req -new -newkey rsa:2048 -sha256 -nodes -keyout signing.key -out signing.csr \
            -subj "/C=EC/O=$DEMO_ISSUER_NAME/serialNumber=$DEMO_ISSUER_RUC/CN=$DEMO_ISSUER_NAME"
        printf '%s\n' "basicConstraints=critical,CA:FALSE" \
            "keyUsage=critical,digitalSignature,nonRepudiation" \
            "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" >signing.ext
        openssl x509 -req -in signing.csr -CA ca.pem -CAkey ca.key -set_serial "0x$(openssl rand -hex 16)" \
            -days 730 -sha256 -extfile signing.ext -out signing.pem
        openssl pkcs12 -export -name "billing-signing" -inkey signing.key -in signing.pem -certfile ca.pem \
            -passout file:password -out signing.p12
    ) >"$LOCAL/logs/certs.log" 2>&1 9>&-; then
        rm -rf "$tmp"
        die "openssl failed; see $(relpath "$LOCAL/logs/certs.log")"
    fi
    if [[ -x $ROOT/.venv/bin/python ]] &&
        ! (cd "$ROOT" && .venv/bin/python -c '
import sys
from pathlib import Path
from billing.adapters.signing import load_pkcs12
load_pkcs12(Path(sys.argv[1]).read_bytes(), Path(sys.argv[2]).read_bytes())
' "$tmp/signing.p12" "$tmp/password") >>"$LOCAL/logs/certs.log" 2>&1 9>&-; then
        rm -rf "$tmp"
        die "billing.adapters.signing.load_pkcs12 refuses the generated PKCS#12; see $(relpath "$LOCAL/logs/certs.log")"
    fi
    mv "$tmp/ca.pem" "$SRI_CA"
    mv "$tmp/password" "$SIGNING_PASSWORD_FILE"
    mv "$tmp/signing.p12" "$SIGNING_P12"
    rm -rf "$tmp" # the CA key and the loose signing key
}

# identity's access-token signing key (SIGNING_KEY_PATH): generated once with openssl, 0600 in
# the 0700 secrets directory. identity reads it at start-up; a new key
# (delete the file, `stack.sh restart identity`) refuses the access tokens of the old one, which
# the portal replaces by refreshing its session. Rotation without that: services/identity/README.md.
make_token_signing_key() {
    if [[ -s $TOKEN_SIGNING_KEY ]]; then return; fi
    command -v openssl >/dev/null || die "openssl is required (stack.sh install brings it)"
    log "generating identity's token signing key in $(relpath "$SECRETS")"
    mkdir -p "$SECRETS" "$LOCAL/logs"
    chmod 700 "$SECRETS"
    (umask 077 && openssl genpkey -algorithm ed25519 -out "$TOKEN_SIGNING_KEY.new") \
        >>"$LOCAL/logs/certs.log" 2>&1 9>&- ||
        die "openssl failed; see $(relpath "$LOCAL/logs/certs.log")"
    mv "$TOKEN_SIGNING_KEY.new" "$TOKEN_SIGNING_KEY"
}

cmd_certs() {
    install_venv
    make_certs
    make_token_signing_key
}

# ---------------------------------------------------------------- process helpers

# Alive and not a zombie (PID 1 here may take seconds to reap an exited child).
alive() { kill -0 "$1" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

tcp_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
http_ok() { curl -fsS -o /dev/null --max-time 3 "$1" 2>/dev/null; }

# What /proc/<pid>/cmdline must contain, so a stale pid file never matches a reused pid.
cmd_marker() {
    case $1 in
    kafka) echo "kafka.Kafka" ;;
    postgres) pg_paths && echo "bin/postgres -D $PG_DATA " ;;
    ferretdb) echo "ferretdb-local" ;;
    mailpit) echo "$LOCAL/bin/mailpit" ;;
    sri) echo "-m sri_sandbox" ;;
    smsc) echo "-m smsc_simulator" ;;
    gateway) echo "nginx" ;;
    *) echo "-m $1" ;;
    esac
}

# Pid of the part if it is running (and ours), else nothing; returns 1 when not running.
running_pid() {
    local f pid
    f=$(pidfile "$1")
    [[ -f $f ]] || return 1
    pid=$(<"$f")
    [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$(cmd_marker "$1")" || return 1
    echo "$pid"
}

part_ports() {
    case $1 in
    kafka) echo "$KAFKA_PORT $KAFKA_CONTROLLER_PORT" ;;
    postgres) ;; # unix socket only
    ferretdb) echo 27017 ;;
    mailpit) echo "8025 1025" ;;
    sri) echo "$SRI_PORT" ;;
    smsc) echo "$SMSC_SMPP_PORT $SMSC_HTTP_PORT" ;;
    gateway) echo "$GATEWAY_PORT" ;;
    *) echo "${SERVICE_PORT[$1]}" ;;
    esac
}

healthy() {
    case $1 in
    kafka) tcp_open "$KAFKA_PORT" && grep -q "Kafka Server started" "$(logfile kafka)" ;;
    postgres) pg_paths && "$(pg_bin)/pg_isready" -q -t 2 -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d postgres ;;
    ferretdb) tcp_open 27017 ;;
    mailpit) http_ok http://127.0.0.1:8025/api/v1/info ;;
    sri) http_ok "http://127.0.0.1:$SRI_PORT/healthz" ;;
    smsc) http_ok "http://127.0.0.1:$SMSC_HTTP_PORT/healthz" && tcp_open "$SMSC_SMPP_PORT" ;;
    gateway) http_ok "http://127.0.0.1:$GATEWAY_PORT/gateway/healthz" ;;
    *) http_ok "http://127.0.0.1:${SERVICE_PORT[$1]}/readyz" ;;
    esac
}

health_timeout() {
    case $1 in
    kafka) echo 120 ;;
    postgres) echo 60 ;; # may replay WAL after an unclean stop
    ferretdb | mailpit | sri | smsc | gateway) echo 30 ;;
    *) echo 60 ;;
    esac
}

# Start detached in its own session (survives this shell, killable as a group), output to its log.
# fd 9 (the stack lock) is closed so the child never holds it.
launch() {
    local part=$1 log
    shift
    log=$(logfile "$part")
    if [[ -f $log ]]; then mv -f "$log" "$log.1"; fi # keep the previous run's log
    (cd "$ROOT" && exec setsid "$@" >"$log" 2>&1 </dev/null 9>&-) &
    echo $! >"$(pidfile "$part")"
}

wait_healthy() {
    local part=$1 t end
    t=$(health_timeout "$part")
    end=$((SECONDS + t))
    until healthy "$part"; do
        # Alive is enough here: just after launch the pid may still be the subshell that has
        # not exec'd the part yet, so its command line is not the part's.
        if ! alive "$(cat "$(pidfile "$part")" 2>/dev/null)"; then
            tail -n 20 "$(logfile "$part")" >&2 || true
            die "$part exited during start-up; see $(relpath "$(logfile "$part")")"
        fi
        if ((SECONDS >= end)); then
            tail -n 20 "$(logfile "$part")" >&2 || true
            die "$part not healthy after ${t}s; see $(relpath "$(logfile "$part")")"
        fi
        sleep 0.3
    done
}

stop_part() {
    local part=$1 pid end sig=TERM
    if ! pid=$(running_pid "$part"); then
        rm -f "$(pidfile "$part")"
        return
    fi
    # PostgreSQL: SIGTERM is a "smart" shutdown that waits for every client to leave (a psql left
    # open would hold it until the SIGKILL below); SIGINT is "fast": disconnect, checkpoint, exit.
    if [[ $part == postgres ]]; then sig=INT; fi
    log "stopping $part (pid $pid)"
    kill "-$sig" -- "-$pid" 2>/dev/null || kill "-$sig" "$pid" 2>/dev/null || true
    end=$((SECONDS + 30))
    while alive "$pid"; do
        if ((SECONDS >= end)); then
            log "$part ignored SIGTERM for 30s: SIGKILL"
            kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
            end=$((SECONDS + 5))
            while alive "$pid" && ((SECONDS < end)); do sleep 0.1; done
            break
        fi
        sleep 0.2
    done
    rm -f "$(pidfile "$part")"
}

check_ports_free() {
    local p
    for p in $(part_ports "$1"); do
        if tcp_open "$p"; then
            die "$1: port $p is already taken by a process this script did not start: $(ss -ltnpH "sport = :$p" 2>/dev/null | head -1)"
        fi
    done
}

# ---------------------------------------------------------------- parts

KAFKA_DATA=$LOCAL/data/kafka
# Written once the storage is formatted with the SCRAM users (a store formatted before the
# stack used SASL has no users, and nothing could log in to add them: it is formatted again).
KAFKA_USERS_STAMP=$KAFKA_DATA/selfcare-scram-users
# Hash of what the ACLs were last applied from (see kafka_acls): inside the data, so a new
# store gets them again.
KAFKA_ACLS_STAMP=$KAFKA_DATA/selfcare-acls.hash

# A Kafka user's password (admin or a service): generated once, kept in .local/secrets (0600).
kafka_password() {
    local f=$SECRETS/kafka-$1.password
    if [[ ! -s $f ]]; then
        mkdir -p "$SECRETS"
        chmod 700 "$SECRETS"
        (umask 077 && python3 -c 'import secrets;print(secrets.token_hex(24))' >"$f")
    fi
    cat "$f"
}

# The broker's configuration (it holds the admin password: 0600), on stdout.
kafka_config() {
    # shellcheck disable=SC2016 # envsubst wants the literal variable list
    KAFKA_DATA_DIR=$KAFKA_DATA KAFKA_PORT=$KAFKA_PORT KAFKA_CONTROLLER_PORT=$KAFKA_CONTROLLER_PORT \
        KAFKA_ADMIN_PASSWORD=$(kafka_password admin) \
        envsubst '${KAFKA_DATA_DIR} ${KAFKA_PORT} ${KAFKA_CONTROLLER_PORT} ${KAFKA_ADMIN_PASSWORD}' \
        <"$HERE/kafka/server.properties.template"
}

kafka_java() {
    JAVA=(java -Xmx512m -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
        "-Dlog4j2.configurationFile=$HERE/kafka/log4j2.xml" -cp "$(<"$(kafka_cp)")")
}

# Format the storage with the SCRAM users (admin and every service of the registry): on first
# start, and again (its data is lost) for a store formatted before SASL, which has no users.
kafka_format() {
    local conf=$1 user
    local -a scram=()
    if [[ -f $KAFKA_DATA/meta.properties && ! -f $KAFKA_USERS_STAMP ]]; then
        log "Kafka storage in $(relpath "$KAFKA_DATA") predates SASL (no users): formatting it again; its topics, events and offsets are dropped (local dev data)"
        rm -rf -- "$KAFKA_DATA"
    fi
    if [[ -f $KAFKA_DATA/meta.properties ]]; then return; fi
    log "formatting Kafka storage in $(relpath "$KAFKA_DATA")"
    mkdir -p "$KAFKA_DATA"
    for user in admin $REGISTRY_SERVICES; do
        scram+=(--add-scram "$KAFKA_MECHANISM=[name=$user,password=$(kafka_password "$user")]")
    done
    "${JAVA[@]}" kafka.tools.StorageTool format --standalone -t "$KAFKA_CLUSTER_ID" -c "$conf" "${scram[@]}" \
        >"$LOCAL/logs/kafka-format.log" 2>&1 ||
        die "Kafka storage format failed; see $(relpath "$LOCAL/logs/kafka-format.log")"
    date -u +%FT%TZ >"$KAFKA_USERS_STAMP"
}

start_kafka() {
    local conf=$LOCAL/kafka/server.properties
    kafka_java
    (umask 077 && kafka_config >"$conf")
    chmod 600 "$conf" # an older one was world-readable
    kafka_format "$conf"
    sha256sum <"$conf" >"$LOCAL/run/kafka.conf.sha"
    launch kafka "${JAVA[@]}" kafka.Kafka "$conf"
}

# Why a running broker must be restarted (empty: it is current): its configuration changed
# (e.g. a broker started before SASL, or a new admin password).
kafka_stale() {
    local f=$LOCAL/run/kafka.conf.sha
    if [[ ! -f $f || $(kafka_config | sha256sum) != $(<"$f") ]]; then echo "configuration changed"; fi
}

# The services' principals and ACLs (scripts/kafka_acls.py, from their code), applied when the
# code, the registry or a password changed since the last time (or the store is new).
kafka_acls() {
    local h user
    local -a files
    if [[ ! -x $ROOT/.venv/bin/python ]]; then
        log "kafka: no Python venv yet, ACLs not applied (services cannot use Kafka until they are)"
        return
    fi
    for user in admin $REGISTRY_SERVICES; do kafka_password "$user" >/dev/null; done
    mapfile -t files < <(cd "$ROOT" && find libs/common/src services/*/src scripts/kafka_acls.py \
        -name '*.py' | sort)
    h=$(cd "$ROOT" && files_hash services.toml "${files[@]}" "$SECRETS"/kafka-*.password)
    if [[ -f $KAFKA_ACLS_STAMP && $(<"$KAFKA_ACLS_STAMP") == "$h" ]]; then return; fi
    log "kafka: applying the services' principals and ACLs (scripts/kafka_acls.py)"
    (cd "$ROOT" && .venv/bin/python scripts/kafka_acls.py apply --bootstrap "127.0.0.1:$KAFKA_PORT" \
        --secrets "$SECRETS" --classpath "$(kafka_cp)") >"$LOCAL/logs/kafka-acls.log" 2>&1 9>&- ||
        die "applying the Kafka ACLs failed; see $(relpath "$LOCAL/logs/kafka-acls.log")"
    tail -n 1 "$LOCAL/logs/kafka-acls.log" >&2
    echo "$h" >"$KAFKA_ACLS_STAMP"
}

# ---- PostgreSQL

# Where the cluster lives (set once per shell): PG_DATA, PG_SOCK.
# PostgreSQL refuses to run as root, so as root the server runs as Debian's `postgres` user and
# needs to reach its directories: .local/data/postgres and .local/run/postgres when it can traverse
# the clone, else (e.g. a clone under /root, mode 700) /var/lib/postgresql/selfcare-<hash of the
# repo path> and its -run sibling, with symlinks at those .local/ paths. Not root: the current user.
PG_DATA=
pg_paths() {
    [[ -z $PG_DATA ]] || return 0
    local h link=$LOCAL/data/postgres
    h=$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)
    PG_DATA=$link PG_SOCK=$LOCAL/run/postgres
    if [[ -L $link ]]; then
        PG_DATA=$(readlink -f "$link") PG_SOCK=$PG_DATA-run
    elif [[ $EUID -eq 0 ]] && id postgres >/dev/null 2>&1; then
        if ! as_pg test -x "$LOCAL/data"; then
            [[ ! -e $link ]] || die "$(relpath "$link") exists but the postgres user cannot reach it; remove it (disposable dev data)"
            PG_DATA=/var/lib/postgresql/selfcare-$h PG_SOCK=/var/lib/postgresql/selfcare-$h-run
        fi
    fi
    # A socket path holds at most 107 bytes: a very deep clone puts it under /tmp (PostgreSQL's own
    # default place; the server touches it hourly so tmp cleaners leave it alone).
    if ((${#PG_SOCK} + 16 > 107)); then PG_SOCK=/tmp/selfcare-pg-$h; fi
}

# Run a command as the server's user (root: drop to `postgres`; otherwise as is).
as_pg() {
    if [[ $EUID -eq 0 ]]; then
        setpriv --reuid=postgres --regid=postgres --init-groups --reset-env -- "$@"
    else
        "$@"
    fi
}

# Binaries of the cluster's major version (PG_VERSION), else of the newest one installed.
pg_bin() {
    local v
    pg_paths
    if [[ -f $PG_DATA/PG_VERSION ]]; then
        v=$(<"$PG_DATA/PG_VERSION")
        [[ -x /usr/lib/postgresql/$v/bin/postgres ]] ||
            die "$PG_DATA was made by PostgreSQL $v, which is not installed; it holds disposable dev data: stop the stack and remove it"
    else
        v=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/postgres' 2>/dev/null | cut -d/ -f5 | sort -V | tail -1)
        [[ -n $v ]] || die "PostgreSQL is not installed (stack.sh install does it)"
    fi
    echo "/usr/lib/postgresql/$v/bin"
}

# The server's command line (in CMD). Settings are for a throwaway dev/test cluster:
#  - synchronous_commit=off: a commit returns before its WAL reaches the disk. Still safe against
#    a crash of any process; a power loss may drop the last few hundred ms of commits (never
#    corrupts). fsync stays on: fsync=off could corrupt the cluster on a power loss.
#  - shared_buffers=128MB: PostgreSQL's default, stated so a bigger box does not change behaviour.
#  - max_connections=200: FerretDB opens up to 50 per user pool; tests and psql add more.
#  - listen_addresses='': no TCP at all; clients use the socket, in a 0700 directory.
#  - plan_cache_mode=force_custom_plan: FerretDB passes field names as bind parameters; planned as
#    constants they can use the GIN indexes of deploy/local/postgres/ferretdb-gin.sql.
postgres_cmd() {
    local bin
    pg_paths
    bin=$(pg_bin)
    CMD=("$bin/postgres" -D "$PG_DATA" -c "port=$PG_PORT" -c listen_addresses= -c "unix_socket_directories=$PG_SOCK"
        -c synchronous_commit=off -c shared_buffers=128MB -c max_connections=200 -c plan_cache_mode=force_custom_plan)
    if [[ $EUID -eq 0 ]]; then CMD=(setpriv --reuid=postgres --regid=postgres --init-groups --reset-env -- "${CMD[@]}"); fi
}

# Symlink <link> -> <target> when the cluster lives outside .local/ (never over a real directory).
pg_link() {
    if [[ $1 != "$2" && ! (-d $2 && ! -L $2) ]]; then ln -sfn "$1" "$2"; fi
}

# Make directories, initdb on first start only, then launch. The log is opened by this script
# and inherited, so the server user needs no access to .local/logs.
start_postgres() {
    local bin
    pg_paths
    bin=$(pg_bin)
    mkdir -p "$PG_DATA" "$PG_SOCK"
    if [[ $EUID -eq 0 ]]; then chown postgres:postgres "$PG_DATA" "$PG_SOCK"; fi
    chmod 700 "$PG_DATA" "$PG_SOCK"
    pg_link "$PG_DATA" "$LOCAL/data/postgres"
    pg_link "$PG_SOCK" "$LOCAL/run/postgres"
    if [[ ! -f $PG_DATA/PG_VERSION ]]; then
        log "initdb $PG_DATA"
        # --auth=trust: no passwords. Acceptable here: the server has no TCP listener and its
        # socket is in a 0700 directory, so only this user (and root) can connect.
        # UTF8 + C locale: what FerretDB checks for (and the fastest collation).
        as_pg "$bin/initdb" -D "$PG_DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C \
            >"$LOCAL/logs/postgres-initdb.log" 2>&1 9>&- ||
            die "initdb failed; see $(relpath "$LOCAL/logs/postgres-initdb.log")"
    fi
    postgres_cmd
    printf '%q ' "${CMD[@]}" >"$LOCAL/run/postgres.cmd"
    launch postgres "${CMD[@]}"
}

# After the server is up: FerretDB's database, created on first start (owner postgres).
postgres_ready() {
    local bin
    bin=$(pg_bin)
    if [[ -z $("$bin/psql" -X -qtA -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d postgres \
        -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'") ]]; then
        log "creating database $PG_DB"
        "$bin/createdb" -h "$PG_SOCK" -p "$PG_PORT" -U postgres -O postgres "$PG_DB"
    fi
    # GIN indexes that let FerretDB's lookups use an index (why: deploy/local/postgres/ferretdb-gin.sql).
    PGOPTIONS='-c client_min_messages=warning' "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" \
        -p "$PG_PORT" -U postgres -d "$PG_DB" -f "$ROOT/deploy/local/postgres/ferretdb-gin.sql" >/dev/null
}

# ---- FerretDB

# percent-encoding for a URL query value (the socket path), byte by byte.
urlencode() {
    local LC_ALL=C s=$1 out='' c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case $c in
        [A-Za-z0-9/._~-]) out+=$c ;;
        *) printf -v c '%%%02X' "'$c" && out+=$c ;;
        esac
    done
    echo "$out"
}

ferretdb_cmd() {
    CMD=("$LOCAL/bin/ferretdb-local" -listen-addr 127.0.0.1:27017 -handler "$FERRETDB_HANDLER")
    case $FERRETDB_HANDLER in
    postgresql) pg_paths && CMD+=(-postgresql-url "postgres://postgres@/$PG_DB?host=$(urlencode "$PG_SOCK")&port=$PG_PORT") ;;
    sqlite) CMD+=(-sqlite-dir "$LOCAL/data/ferretdb") ;;
    esac
}

start_ferretdb() {
    ferretdb_cmd
    printf '%q ' "${CMD[@]}" >"$LOCAL/run/ferretdb.cmd"
    launch ferretdb "${CMD[@]}"
}

# Why a running postgres/ferretdb must be restarted (empty: it is current): its command line
# (settings, FERRETDB_HANDLER) differs from the one it was started with, or its binary is newer.
infra_stale() {
    local part=$1 f=$LOCAL/run/$1.cmd bin
    "${part}_cmd"
    if [[ ! -f $f || $(<"$f") != "$(printf '%q ' "${CMD[@]}")" ]]; then
        echo "command line changed"
        return
    fi
    if [[ $part == postgres ]]; then bin=$(pg_bin)/postgres; else bin=${CMD[0]}; fi
    if [[ $bin -nt $(pidfile "$part") ]]; then echo "binary changed"; fi
}

start_mailpit() {
    mkdir -p "$LOCAL/data/mailpit"
    launch mailpit "$LOCAL/bin/mailpit" --database "$LOCAL/data/mailpit/mailpit.db" \
        --listen 127.0.0.1:8025 --smtp 127.0.0.1:1025 --smtp-auth-accept-any --smtp-auth-allow-insecure --smtp-disable-rdns \
        --disable-version-check --max 5000
}

# ---- SRI sandbox (python -m sri_sandbox): received comprobantes in .local/data/sri-sandbox,
# signatures must chain to the dev CA.

sri_env() {
    cat <<EOF
PATH=$ROOT/.venv/bin:/usr/local/bin:/usr/bin:/bin
HOME=${HOME:-$ROOT}
LANG=C.UTF-8
PYTHONUNBUFFERED=1
SRI_SANDBOX_HOST=127.0.0.1
SRI_SANDBOX_PORT=$SRI_PORT
SRI_SANDBOX_DATA_DIR=$LOCAL/data/sri-sandbox
SRI_SANDBOX_TRUSTED_CA=$SRI_CA
EOF
}

start_sri() {
    local envf=$LOCAL/run/sri.env
    local -a envs
    make_certs
    mkdir -p "$LOCAL/data/sri-sandbox"
    sri_env >"$envf"
    mapfile -t envs <"$envf"
    launch sri env -i "${envs[@]}" "$ROOT/.venv/bin/python" -m sri_sandbox
}

# Why a running sandbox must be restarted (empty: it is current): its environment, its code or
# dependencies, or the trusted CA changed since it started.
sri_stale() {
    local envf=$LOCAL/run/sri.env pidf
    pidf=$(pidfile sri)
    if [[ ! -f $envf ]] || [[ $(sri_env | sha256sum) != $(sha256sum <"$envf") ]]; then
        echo "environment changed"
    elif [[ -n $(find "$ROOT/deploy/local/sri-sandbox/src" "$ROOT/uv.lock" "$SRI_CA" -newer "$pidf" \
        \( -name '*.py' -o -name '*.wsdl' -o -name '*.xsd' -o -name uv.lock -o -name "${SRI_CA##*/}" \) \
        -print -quit 2>/dev/null) ]]; then
        echo "code changed"
    fi
}

# ---- SMSC simulator (python -m smsc_simulator): keeps what it received in memory.

smsc_env() {
    cat <<EOF
PATH=$ROOT/.venv/bin:/usr/local/bin:/usr/bin:/bin
HOME=${HOME:-$ROOT}
LANG=C.UTF-8
PYTHONUNBUFFERED=1
SMSC_HOST=127.0.0.1
SMSC_SMPP_PORT=$SMSC_SMPP_PORT
SMSC_HTTP_PORT=$SMSC_HTTP_PORT
SMSC_SYSTEM_ID=$SMSC_SYSTEM_ID
SMSC_PASSWORD=$(smsc_password)
EOF
}

start_smsc() {
    local envf=$LOCAL/run/smsc.env
    local -a envs
    (umask 077 && smsc_env >"$envf")
    mapfile -t envs <"$envf"
    launch smsc env -i "${envs[@]}" "$ROOT/.venv/bin/python" -m smsc_simulator
}

# Why a running simulator must be restarted (empty: it is current).
smsc_stale() {
    local envf=$LOCAL/run/smsc.env pidf
    pidf=$(pidfile smsc)
    if [[ ! -f $envf ]] || [[ $(smsc_env | sha256sum) != $(sha256sum <"$envf") ]]; then
        echo "environment changed"
    elif [[ -n $(find "$ROOT/deploy/local/smsc-simulator/src" "$ROOT/uv.lock" -newer "$pidf" \
        \( -name '*.py' -o -name uv.lock \) -print -quit 2>/dev/null) ]]; then
        echo "code changed"
    fi
}

# The simulator's bind password (SMPP 3.4 allows 8 characters): SMSC_PASSWORD from the caller,
# else generated once and kept in .local/secrets/smsc.password (never in git).
smsc_password() {
    if [[ -n ${SMSC_PASSWORD:-} ]]; then
        echo "$SMSC_PASSWORD"
        return
    fi
    local f=$SECRETS/smsc.password
    if [[ ! -s $f ]]; then
        mkdir -p "$SECRETS"
        (umask 077 && python3 -c 'import secrets;print(secrets.token_urlsafe(6)[:8])' >"$f")
    fi
    cat "$f"
}

# Renders both templates into .local/gateway/ (only our variables: nginx's own $vars stay).
render_gateway() {
    # shellcheck disable=SC2016 # envsubst wants the literal variable list
    local vars='${GATEWAY_LISTEN} ${GATEWAY_RATE_LIMITS} ${PORTAL_ROOT}' var
    for var in "${!GATEWAY_UPSTREAM[@]}"; do vars+=" \${$var}"; done
    mkdir -p "$LOCAL/gateway/tmp"
    (
        # Loopback only: the local stack is for this machine (tokens and codes pass through it).
        export GATEWAY_LISTEN=127.0.0.1:$GATEWAY_PORT GATEWAY_RATE_LIMITS PORTAL_ROOT=$ROOT/portal
        # Every upstream of the template (the registry's services; planned ones get a closed port).
        for var in "${!GATEWAY_UPSTREAM[@]}"; do export "$var=${GATEWAY_UPSTREAM[$var]}"; done
        envsubst "$vars" <"$ROOT/deploy/gateway/gateway.conf.template" >"$LOCAL/gateway/gateway.conf"
        envsubst "$vars" <"$ROOT/deploy/gateway/nginx-local.conf.template" >"$LOCAL/gateway/nginx.conf"
    )
}

start_gateway() {
    local cmd=(/usr/sbin/nginx -p "$LOCAL/" -c "$LOCAL/gateway/nginx.conf" -e "$LOCAL/logs/gateway.log")
    # As root, workers run as root too: a clone under /root is unreadable to nobody/www-data.
    if [[ $EUID -eq 0 ]]; then cmd+=(-g "user root;"); fi
    "${cmd[@]}" -t -q || die "gateway config invalid (nginx -t above)"
    launch gateway "${cmd[@]}"
}

# Desired environment of a service, one KEY=VALUE a line (written to .local/run/<svc>.env):
# the common settings, then what its needs mean here, its registry settings and the caller's
# passthrough variables (a later line wins in env).
# MONGODB_MAX_POOL_SIZE=1: FerretDB 1.24 does conditional updates as read-then-write, so only
# one connection per process keeps compare-and-set updates atomic (see common/settings.py).
service_env() {
    local svc=$1 need var
    cat <<EOF
PATH=$ROOT/.venv/bin:/usr/local/bin:/usr/bin:/bin
HOME=${HOME:-$ROOT}
LANG=C.UTF-8
PYTHONUNBUFFERED=1
SERVICE_NAME=$svc
HTTP_HOST=127.0.0.1
HTTP_PORT=${SERVICE_PORT[$svc]}
KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$KAFKA_PORT
KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT
KAFKA_SASL_MECHANISM=$KAFKA_MECHANISM
KAFKA_SASL_USERNAME=$svc
KAFKA_SASL_PASSWORD=$(kafka_password "$svc")
MONGODB_URL=mongodb://127.0.0.1:27017/
MONGODB_DATABASE=$svc
MONGODB_MAX_POOL_SIZE=1
APP_ENV=${APP_ENV:-development}
LOG_LEVEL=${LOG_LEVEL:-INFO}
PORTAL_BASE_URL=http://127.0.0.1:$GATEWAY_PORT
OUTBOX_SWEEP_SECONDS=${OUTBOX_SWEEP_SECONDS:-30}
EOF
    for need in ${SERVICE_NEEDS[$svc]}; do need_env "$need"; done
    if [[ -n ${SERVICE_ENV[$svc]} ]]; then printf '%s\n' "${SERVICE_ENV[$svc]}"; fi
    for var in ${SERVICE_PASSTHROUGH[$svc]}; do
        if [[ -n ${!var+x} ]]; then echo "$var=${!var}"; fi
    done
}

# What a need of services.toml means in this stack (the same need, whichever service has it).
need_env() {
    case $1 in
    smtp) printf '%s\n' SMTP_HOST=127.0.0.1 SMTP_PORT=1025 ;; # Mailpit
    smsc) printf '%s\n' SMPP_HOST=127.0.0.1 "SMPP_PORT=$SMSC_SMPP_PORT" "SMPP_SYSTEM_ID=$SMSC_SYSTEM_ID" \
        "SMPP_PASSWORD=$(smsc_password)" ;;
    sri) printf '%s\n' SRI_ENDPOINTS=sandbox "SRI_HOST=http://127.0.0.1:$SRI_PORT" ;;
    identity-jwks) echo "IDENTITY_JWKS_URL=http://127.0.0.1:${SERVICE_PORT[identity]}/.well-known/jwks.json" ;;
    operator-account) printf '%s\n' "OPERATOR_EMAIL=$OPERATOR_EMAIL" "OPERATOR_PASSWORD=$(operator_password)" ;;
    signing-certificate) printf '%s\n' "SIGNING_P12_PATH=$SIGNING_P12" "SIGNING_P12_PASSWORD=$(<"$SIGNING_PASSWORD_FILE")" ;;
    token-signing-key) make_token_signing_key && echo "SIGNING_KEY_PATH=$TOKEN_SIGNING_KEY" ;;
    ride-link-key) echo "RIDE_LINK_KEY=$(link_key RIDE_LINK_KEY ride-link.key)" ;;
    rendering-api) echo "RENDERING_URL=http://127.0.0.1:${SERVICE_PORT[rendering]}" ;;
    document-link-key) echo "DOCUMENT_LINK_KEY=$(link_key DOCUMENT_LINK_KEY document-link.key)" ;;
    billing-api) echo "BILLING_URL=http://127.0.0.1:${SERVICE_PORT[billing]}" ;;
    *) die "services.toml: no meaning in the local stack for the need '$1'" ;;
    esac
}

# An HMAC key of signed links, one value for every service that has its need: $1 from the
# caller, else generated once and kept in .local/secrets/$2 (never in git). RIDE_LINK_KEY
# (ride-link.key): the RIDE download links (billing and notifier sign, rendering verifies);
# DOCUMENT_LINK_KEY (document-link.key): the links to billing's documents (rendering and
# notifier sign, billing verifies).
link_key() {
    local var=$1 f=$SECRETS/$2
    if [[ -n ${!var:-} ]]; then
        echo "${!var}"
        return
    fi
    if [[ ! -s $f ]]; then
        mkdir -p "$SECRETS"
        (umask 077 && python3 -c 'import secrets;print(secrets.token_hex(32))' >"$f")
    fi
    cat "$f"
}

# OPERATOR_PASSWORD from the caller, else generated once and kept in .local/operator-password.
operator_password() {
    if [[ -n ${OPERATOR_PASSWORD:-} ]]; then
        echo "$OPERATOR_PASSWORD"
        return
    fi
    local f=$LOCAL/operator-password
    if [[ ! -s $f ]]; then
        (umask 077 && python3 -c 'import secrets;print(secrets.token_urlsafe(16))' >"$f")
    fi
    cat "$f"
}

service_buildable() { [[ -f $ROOT/${SERVICE_PATH[$1]}/src/$1/__main__.py && -x $ROOT/.venv/bin/python ]]; }

start_service() {
    local svc=$1 envf=$LOCAL/run/$1.env
    local -a envs
    (umask 077 && service_env "$svc" >"$envf") # holds the operator and Kafka passwords
    mapfile -t envs <"$envf"
    launch "$svc" env -i "${envs[@]}" "$ROOT/.venv/bin/python" -m "$svc"
}

# Why a running service must be restarted (empty: it is current).
service_stale() {
    local svc=$1 envf=$LOCAL/run/$1.env pidf
    pidf=$(pidfile "$svc")
    if [[ ! -f $envf ]] || [[ $(service_env "$svc" | sha256sum) != $(sha256sum <"$envf") ]]; then
        echo "environment changed"
    elif [[ -n $(find "$ROOT/${SERVICE_PATH[$svc]}/src" "$ROOT"/libs/*/src "$ROOT/uv.lock" -newer "$pidf" \
        \( -name '*.py' -o -name uv.lock \) -print -quit 2>/dev/null) ]]; then
        echo "code changed"
    fi
}

# Start one part unless it is already running, healthy and current.
start_part() {
    local part=$1 why
    install_part "$part"
    if is_service "$part" && ! service_buildable "$part"; then
        log "skipping $part (not built yet)"
        return
    fi
    if [[ $part == sri && ! -x $ROOT/.venv/bin/python ]]; then
        log "skipping sri (no Python venv yet)"
        return
    fi
    if running_pid "$part" >/dev/null; then
        why=
        if is_service "$part"; then why=$(service_stale "$part"); fi
        if [[ $part == sri ]]; then why=$(sri_stale); fi
        if [[ $part == smsc ]]; then why=$(smsc_stale); fi
        if [[ $part == kafka ]]; then why=$(kafka_stale); fi
        if [[ $part == postgres || $part == ferretdb ]]; then why=$(infra_stale "$part"); fi
        if [[ $part == gateway ]]; then
            local before
            before=$(cat "$LOCAL"/gateway/*.conf 2>/dev/null | sha256sum)
            render_gateway
            [[ $(cat "$LOCAL"/gateway/*.conf | sha256sum) == "$before" ]] || why="config changed"
        fi
        if [[ -z $why ]] && healthy "$part"; then
            log "$part: already running"
            if [[ $part == kafka ]]; then kafka_acls; fi
            return
        fi
        log "$part: restarting (${why:-not healthy})"
        stop_part "$part"
    fi
    check_ports_free "$part"
    log "starting $part"
    case $part in
    kafka | postgres | ferretdb | mailpit | sri | smsc) "start_$part" ;;
    gateway) render_gateway && start_gateway ;;
    *) start_service "$part" ;;
    esac
    wait_healthy "$part"
    if [[ $part == postgres ]]; then postgres_ready; fi
    if [[ $part == kafka ]]; then kafka_acls; fi
    log "$part: healthy"
}

part_exists() {
    [[ " $INFRA gateway " == *" $1 "* ]] || is_service "$1" || die "unknown part '$1' (parts: $(all_parts))"
}

# ---------------------------------------------------------------- commands

# The demo operator, accounts and a few months of invoices (deploy/local/demo_data.py), through
# the gateway like any client; it returns at once when they are already there.
load_demo_data() {
    if [[ " $SERVICES " != *" billing "* || " $SERVICES " != *" identity "* ]]; then return; fi
    (cd "$ROOT" && GATEWAY_URL=http://127.0.0.1:$GATEWAY_PORT OPERATOR_EMAIL=$OPERATOR_EMAIL \
        OPERATOR_PASSWORD=$(operator_password) .venv/bin/python deploy/local/demo_data.py) 9>&- ||
        die "loading the demo data failed (above)"
}

cmd_up() {
    local t0=$SECONDS p
    cmd_install
    make_certs # before the SRI sandbox and the services, which read them
    make_token_signing_key
    for p in $(all_parts); do start_part "$p"; done
    load_demo_data
    echo
    echo "Portal:   http://127.0.0.1:$GATEWAY_PORT/"
    echo "Mailpit:  http://127.0.0.1:8025/"
    echo "SMS:      http://127.0.0.1:$SMSC_HTTP_PORT/api/messages"
    echo "SRI:      http://127.0.0.1:$SRI_PORT/comprobantes-electronicos-ws/RecepcionComprobantesOffline?wsdl"
    echo "Operator: $OPERATOR_EMAIL / $(operator_password)"
    echo "(up took $((SECONDS - t0))s)"
}

cmd_down() {
    local p
    # Every service with a pid file, even one no longer listed in SERVICES.
    for p in "${!SERVICE_PORT[@]}"; do stop_part "$p"; done
    for p in gateway smsc sri mailpit ferretdb postgres kafka; do stop_part "$p"; done
}

cmd_status() {
    local p pid state rc=0
    for p in $(all_parts); do
        if pid=$(running_pid "$p"); then
            if healthy "$p"; then state="running  healthy    pid $pid"; else state="running  UNHEALTHY  pid $pid" rc=1; fi
        elif is_service "$p" && ! service_buildable "$p"; then
            state="not built"
        else
            state="stopped" rc=1
        fi
        printf '%-10s %-36s %s\n' "$p" "$state" "$(relpath "$(logfile "$p")")"
    done
    return $rc
}

# The services `up` starts, in order, with their ports (tests/test_registry.py reads this).
cmd_services() {
    local s
    for s in $SERVICES; do echo "$s ${SERVICE_PORT[$s]}"; done
}

cmd_logs() {
    local part=${1:?usage: stack.sh logs <part> [-f]} f
    part_exists "$part"
    f=$(logfile "$part")
    [[ -f $f ]] || die "no log yet: $(relpath "$f")"
    if [[ ${2:-} == -f ]]; then exec tail -n 100 -F "$f"; else tail -n "${LINES_TO_SHOW:-100}" "$f"; fi
}

usage() {
    sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 2
}

main() {
    local sub=${1:-} p
    [[ -n $sub ]] || usage
    shift
    for p in $SERVICES; do
        is_service "$p" || die "STACK_SERVICES names '$p', which services.toml does not list ($REGISTRY_SERVICES)"
    done
    if [[ $sub == services ]]; then cmd_services; return; fi
    # Kafka's log, Mailpit's database and the logs hold reset links, SMS codes and personal data:
    # nothing under .local is readable by other users. .local, data/ and run/ stay traversable
    # (711) because PostgreSQL runs as its own user below them.
    umask 077
    mkdir -p "$LOCAL"/{bin,run,logs,gateway,kafka} "$LOCAL"/data/{kafka,mailpit}
    chmod 711 "$LOCAL" "$LOCAL/data" "$LOCAL/run"
    chmod -R go-rwx "$LOCAL"/{logs,gateway,kafka} "$LOCAL"/data/{kafka,mailpit}
    if [[ -d $LOCAL/data/sri-sandbox ]]; then chmod -R go-rwx "$LOCAL/data/sri-sandbox"; fi
    case $sub in
    status) cmd_status; return ;;
    logs) cmd_logs "$@"; return ;;
    install | certs | up | down | start | stop | restart) ;;
    *) usage ;;
    esac
    case $FERRETDB_HANDLER in
    postgresql | sqlite) ;;
    *) die "FERRETDB_HANDLER must be postgresql or sqlite, not '$FERRETDB_HANDLER'" ;;
    esac
    # One mutating command at a time (two `up`s at once would race on pid files).
    exec 9>"$LOCAL/run/stack.lock"
    flock -w 900 9 || die "another stack.sh is still running"
    case $sub in
    install) cmd_install ;;
    certs) cmd_certs ;;
    up) cmd_up ;;
    down) cmd_down ;;
    start | stop | restart)
        local part=${1:?usage: stack.sh $sub <part>}
        part_exists "$part"
        if [[ $sub != stop ]]; then install_tools; fi
        [[ $sub == start ]] || stop_part "$part"
        [[ $sub == stop ]] || start_part "$part"
        ;;
    esac
}

main "$@"
