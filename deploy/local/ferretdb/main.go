// Command ferretdb-local runs embedded FerretDB for the local stack, on PostgreSQL by default
// (the stack's `postgres` part) or on SQLite (-handler sqlite / FERRETDB_HANDLER=sqlite).
// It embeds the ferretdb package because `go install .../cmd/ferretdb` panics on a
// missing build/version/version.txt.
//
// Why PostgreSQL: FerretDB 1.24's SQLite backend pushes a filter down to SQL only when it is
// exactly {_id: value}; any other query ({email_key: k}, {_id: x, version: n}) reads and
// filters every document of the collection in Go. The PostgreSQL backend pushes equality
// filters on any top-level field down to SQL (`_jsonb->'k' @> v`). PostgreSQL still scans the
// table for them (the expression indexes FerretDB creates cannot serve `@>`; they enforce unique
// indexes), but in C and without decoding documents: ~2 ms at 1,000 docs, ~18 ms at 50,000.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen-addr", envOr("FERRETDB_LISTEN_ADDR", "127.0.0.1:27017"), "TCP listen address")
	handler := flag.String("handler", envOr("FERRETDB_HANDLER", "postgresql"), "backend: postgresql or sqlite")
	pgURL := flag.String("postgresql-url", envOr("FERRETDB_POSTGRESQL_URL", "postgres://postgres@127.0.0.1:5433/ferretdb"),
		"PostgreSQL URL for -handler postgresql (e.g. postgres://postgres@/ferretdb?host=/socket/dir&port=5433)")
	dir := flag.String("sqlite-dir", envOr("FERRETDB_SQLITE_DIR", ".local/data/ferretdb"), "SQLite data directory for -handler sqlite (kept across restarts)")
	flag.Parse()

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	conf := &ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: *listen},
		Logger:   logger,
		Handler:  *handler,
	}
	var where string
	switch *handler {
	case "postgresql":
		u, err := url.Parse(*pgURL)
		if err != nil {
			logger.Error("postgresql-url", "err", err)
			os.Exit(1)
		}
		conf.PostgreSQLURL = *pgURL
		where = u.Redacted()
	case "sqlite":
		abs, err := filepath.Abs(*dir)
		if err == nil {
			err = os.MkdirAll(abs, 0o755)
		}
		if err != nil {
			logger.Error("data dir", "err", err)
			os.Exit(1)
		}
		conf.SQLiteURL = "file:" + abs + "/" // SQLite handler wants a directory URI ending in "/"
		where = abs
	default:
		logger.Error("init", "err", fmt.Sprintf("unknown -handler %q (postgresql or sqlite)", *handler))
		os.Exit(2)
	}

	f, err := ferretdb.New(conf)
	if err != nil {
		logger.Error("init", "err", err)
		os.Exit(1)
	}

	// SIGTERM/SIGINT cancel the context; Run then closes listeners, connections and the DB.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	logger.Info("ferretdb-local starting", "listen", *listen, "handler", *handler, "backend", where)
	if err := f.Run(ctx); err != nil && ctx.Err() == nil {
		logger.Error("run", "err", err)
		os.Exit(1)
	}
	logger.Info("ferretdb-local stopped")
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
