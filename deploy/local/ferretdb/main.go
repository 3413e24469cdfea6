// Command ferretdb-local runs embedded FerretDB (SQLite handler) for the local stack.
// It embeds the ferretdb package because `go install .../cmd/ferretdb` panics on a
// missing build/version/version.txt.
package main

import (
	"context"
	"flag"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen-addr", envOr("FERRETDB_LISTEN_ADDR", "127.0.0.1:27017"), "TCP listen address")
	dir := flag.String("sqlite-dir", envOr("FERRETDB_SQLITE_DIR", ".local/data/ferretdb"), "SQLite data directory (kept across restarts)")
	flag.Parse()

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	abs, err := filepath.Abs(*dir)
	if err == nil {
		err = os.MkdirAll(abs, 0o755)
	}
	if err != nil {
		logger.Error("data dir", "err", err)
		os.Exit(1)
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/", // SQLite handler wants a directory URI ending in "/"
	})
	if err != nil {
		logger.Error("init", "err", err)
		os.Exit(1)
	}

	// SIGTERM/SIGINT cancel the context; Run then closes listeners, connections and the DB.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	logger.Info("ferretdb-local starting", "listen", *listen, "dir", abs)
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
