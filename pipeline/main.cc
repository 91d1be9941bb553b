// knot-embed: keep HTML articles in SQLite, re-extract and embed them on
// knot's pipeline, search them (docs/pipeline.md). All of it lives in
// knot::pipeline; this is the entry point.
#include "knot/pipeline/cli.h"

int main(int argc, char** argv) {
  return knot::pipeline::run_cli(argc, argv);
}
