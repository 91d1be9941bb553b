#!/usr/bin/python3
# schema_test.py: tests of docs/report.schema.json and validate_reports.py.
#
#   schema_test.py --schema SCHEMA --validator validate_reports.py --sample DIR
#
# DIR holds the reports write_sample_report wrote (to_json of a fully
# populated Report, of one with every nullable field null, and of a
# potential deadlock with its hazard, schema 1.2). Checks:
#   - the schema declares every field that to_json wrote (nothing passes only
#     because additional properties are allowed);
#   - table-driven mutations of the full sample (a wrong type, an unknown
#     enum value, a missing field, another major version, ...) each fail
#     with the expected JSON pointer and reason, and the allowed variations
#     (a minor version, extra fields, nulls) pass;
#   - the validate_reports.py command: exit status and "file: pointer: reason"
#     lines for valid, invalid, malformed and empty input.

import argparse
import copy
import glob
import json
import os
import subprocess
import sys
import tempfile
import unittest

ARGS = None
DELETE = object()


def load_sample(kind):
    paths = glob.glob(os.path.join(ARGS.sample, "knot-%s-*.json" % kind))
    if len(paths) != 1:
        raise AssertionError("expected one knot-%s-*.json in %s, found %s" % (kind, ARGS.sample, paths))
    with open(paths[0], encoding="utf-8") as f:
        return json.load(f)


def mutate(document, pointer, value):
    """A copy of document with the value at pointer replaced (or deleted)."""
    result = copy.deepcopy(document)
    parts = [int(p) if p.isdigit() else p for p in pointer.strip("/").split("/")]
    parent = result
    for part in parts[:-1]:
        parent = parent[part]
    if value is DELETE:
        del parent[parts[-1]]
    else:
        parent[parts[-1]] = value
    return result


class SchemaTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        sys.path.insert(0, os.path.dirname(os.path.abspath(ARGS.validator)))
        import validate_reports  # noqa: E402 (found through the path above)

        cls.v = validate_reports
        cls.validator = validate_reports.make_validator(ARGS.schema)
        with open(ARGS.schema, encoding="utf-8") as f:
            cls.schema = json.load(f)
        cls.full = load_sample("deadlock")
        cls.nulls = load_sample("snapshot")
        cls.potential = load_sample("potential_deadlock")

    def problems(self, document):
        return self.v.problems_of(document, self.validator)

    # -- The schema describes what to_json writes --------------------------

    # Both samples are valid: every field in each of its forms.
    def test_samples_are_valid(self):
        self.assertEqual(self.problems(self.full), [])
        self.assertEqual(self.problems(self.nulls), [])
        self.assertEqual(self.problems(self.potential), [])
        self.assertIsNone(self.nulls["verdict"])
        self.assertIsNone(self.nulls["threads"][0]["wait"])
        self.assertIsNotNone(self.full["threads"][0]["wait"])
        self.assertIsNone(self.full["hazard"])
        self.assertIsNone(self.nulls["hazard"])
        self.assertEqual(self.potential["verdict"]["kind"], "potential_deadlock")
        self.assertIsNotNone(self.potential["hazard"])

    def resolve(self, schema):
        """Follows $ref and, for nullable fields, the non-null branch."""
        while True:
            if "$ref" in schema:
                name = schema["$ref"].rsplit("/", 1)[-1]
                schema = self.schema["$defs"][name]
            elif "oneOf" in schema:
                schema = next(s for s in schema["oneOf"] if s.get("type") != "null")
            else:
                return schema

    def undeclared(self, value, schema, pointer):
        schema = self.resolve(schema)
        found = []
        if isinstance(value, dict):
            declared = schema.get("properties", {})
            for key, child in value.items():
                if key not in declared:
                    found.append(pointer + "/" + key)
                else:
                    found += self.undeclared(child, declared[key], pointer + "/" + key)
        elif isinstance(value, list) and "items" in schema:
            for i, child in enumerate(value):
                found += self.undeclared(child, schema["items"], "%s/%d" % (pointer, i))
        return found

    # Every field of the full sample is declared (and so typed) in the
    # schema: a field added to to_json without a schema entry fails here.
    def test_every_written_field_is_declared(self):
        self.assertEqual(self.undeclared(self.full, self.schema, ""), [])
        self.assertEqual(self.undeclared(self.nulls, self.schema, ""), [])
        self.assertEqual(self.undeclared(self.potential, self.schema, ""), [])

    # The potential sample's hazard has every basis, each edge both stacks.
    def test_potential_sample_has_every_basis(self):
        edges = self.potential["hazard"]["edges"]
        self.assertEqual(
            sorted({e["basis"] for e in edges}),
            sorted(self.schema["$defs"]["hazard_basis"]["enum"]),
        )
        for e in edges:
            self.assertTrue(e["wait_stack"] and e["responsibility_stack"], e)

    # Every declared field is required: to_json always writes all of them.
    def test_every_declared_field_is_required(self):
        for name, definition in [("(top)", self.schema)] + list(self.schema["$defs"].items()):
            if "properties" in definition:
                self.assertEqual(
                    sorted(definition["properties"]), sorted(definition["required"]), name
                )
                self.assertTrue(definition.get("additionalProperties", True), name)

    # -- Mutations that must fail -------------------------------------------

    INVALID = [
        # (name, pointer, new value, expected pointer, expected reason)
        ("pid_as_string", "/process/pid", "4242", "/process/pid", "is not of type 'integer'"),
        ("pid_zero", "/process/pid", 0, "/process/pid", "less than the minimum"),
        ("negative_count", "/pools/0/injector_depth", -1, "/pools/0/injector_depth", "minimum"),
        ("fractional_count", "/resources/0/capacity", 64.5, "/resources/0/capacity", "'integer'"),
        ("boolean_as_number", "/verdict/is_proven", 1, "/verdict/is_proven", "'boolean'"),
        # Inside a nullable object: the reason names the field, not the oneOf.
        ("wait_seconds_as_string", "/threads/0/wait/seconds", "0.3", "/threads/0/wait/seconds",
         "is not of type 'number'"),
        ("wait_as_string", "/threads/0/wait", "install", "/threads/0/wait", "is not of type"),
        ("frame_line_as_string", "/threads/0/stack/1/line", "42", "/threads/0/stack/1/line",
         "'integer'"),
        ("unknown_verdict_kind", "/verdict/kind", "livelock", "/verdict/kind", "is not one of"),
        ("unknown_trigger", "/trigger", "cron", "/trigger", "is not one of"),
        ("unknown_thread_state", "/threads/1/state", "dozing", "/threads/1/state", "is not one of"),
        # A worker state is not a thread state: an idle worker thread is "idle".
        ("worker_state_as_thread_state", "/threads/1/state", "sleeping", "/threads/1/state",
         "is not one of"),
        ("unknown_worker_state", "/pools/0/workers/1/state", "idle", "/pools/0/workers/1/state",
         "is not one of"),
        ("unknown_stack_source", "/threads/0/stack_source", "guess", "/threads/0/stack_source",
         "is not one of"),
        ("unknown_edge_kind", "/graph/edges/0/kind", "blocks", "/graph/edges/0/kind",
         "is not one of"),
        ("unknown_policy", "/pools/0/policy", "yield", "/pools/0/policy", "is not one of"),
        ("unknown_role", "/threads/0/role", "helper", "/threads/0/role", "is not one of"),
        ("empty_verdict_kind", "/verdict/kind", "", "/verdict/kind", "is not one of"),
        ("missing_graph", "/graph", DELETE, "/", "'graph' is a required property"),
        ("missing_frame_pc", "/threads/0/stack/0/pc", DELETE, "/threads/0/stack/0",
         "'pc' is a required property"),
        ("missing_wait_kind", "/threads/0/wait/kind", DELETE, "/threads/0/wait",
         "'kind' is a required property"),
        ("other_major", "/schema", "knot.report/2", "/schema", "does not match"),
        ("not_a_knot_report", "/schema", "acme.report/1", "/schema", "does not match"),
        ("verdict_time_not_utc", "/verdict/time", "2026-11-28 21:00:03", "/verdict/time",
         "does not match"),
        ("summary_on_two_lines", "/summary", "deadlock\nin pool", "/summary", "does not match"),
        ("cycle_with_a_number", "/cycle/1", 1, "/cycle/1", "is not of type 'string'"),
        ("holds_negative", "/threads/0/holds/0", -9, "/threads/0/holds/0", "minimum"),
        ("queued_count_as_string", "/pools/0/queued_by/0/count", "3", "/pools/0/queued_by/0/count",
         "is not of type 'integer'"),
        ("build_id_not_hex", "/threads/0/stack/0/build_id", "xyz", "/threads/0/stack/0/build_id",
         "does not match"),
        ("threads_as_object", "/threads", {}, "/threads", "is not of type 'array'"),
    ]

    def test_invalid_documents_fail(self):
        for name, pointer, value, at, reason in self.INVALID:
            with self.subTest(name):
                problems = self.problems(mutate(self.full, pointer, value))
                self.assertTrue(problems, "%s: passed validation" % name)
                matching = [p for p in problems if p[0] == at and reason in p[1]]
                self.assertTrue(matching, "%s: got %s" % (name, problems))

    # Mutations of the potential deadlock (1.2) that must fail.
    POTENTIAL_INVALID = [
        ("unknown_hazard_basis", "/hazard/edges/0/basis", "guess", "/hazard/edges/0/basis",
         "is not one of"),
        ("hazard_edge_from_a_thread", "/hazard/edges/0/from", "thread:103",
         "/hazard/edges/0/from", "does not match"),
        ("hazard_event_of_unknown_kind", "/hazard/edges/1/to", "event:signal:7f3a",
         "/hazard/edges/1/to", "does not match"),
        ("hazard_event_class_not_hex", "/hazard/edges/1/to", "event:room:ledger",
         "/hazard/edges/1/to", "does not match"),
        ("missing_condition", "/hazard/condition", DELETE, "/hazard",
         "'condition' is a required property"),
        ("missing_responsibility_stack", "/hazard/edges/0/responsibility_stack", DELETE,
         "/hazard/edges/0", "'responsibility_stack' is a required property"),
        ("hazard_frame_line_as_string", "/hazard/edges/0/wait_stack/1/line", "31",
         "/hazard/edges/0/wait_stack/1/line", "'integer'"),
        # jsonschema 4.10 (Debian's) says "is too short", later ones "should
        # be non-empty".
        ("hazard_without_edges", "/hazard/edges", [], "/hazard/edges",
         ("is too short", "should be non-empty")),
        ("empty_prevention", "/hazard/prevented_by/0", "", "/hazard/prevented_by/0",
         ("is too short", "should be non-empty")),
        # A potential deadlock without its hazard, claiming proof, or of
        # another certainty.
        ("potential_without_hazard", "/hazard", None, "/hazard", "is not of type 'object'"),
        ("potential_claiming_proof", "/verdict/is_proven", True, "/verdict/is_proven",
         "False was expected"),
        ("potential_said_proven", "/verdict/certainty", "proven", "/verdict/certainty",
         "'potential' was expected"),
        ("unknown_graph_edge_basis", "/graph/edges/0/basis", "guess", "/graph/edges/0/basis",
         "is not one of"),
        ("unknown_graph_edge_kind", "/graph/edges/0/kind", "needs", "/graph/edges/0/kind",
         "is not one of"),
    ]

    def test_potential_invalid_documents_fail(self):
        for name, pointer, value, at, reason in self.POTENTIAL_INVALID:
            with self.subTest(name):
                problems = self.problems(mutate(self.potential, pointer, value))
                self.assertTrue(problems, "%s: passed validation" % name)
                reasons = reason if isinstance(reason, tuple) else (reason,)
                matching = [p for p in problems if p[0] == at and any(r in p[1] for r in reasons)]
                self.assertTrue(matching, "%s: got %s" % (name, problems))

    # Only a potential deadlock is potential, and a hazard is an object.
    def test_potential_certainty_needs_potential_kind(self):
        problems = self.problems(mutate(self.full, "/verdict/certainty", "potential"))
        self.assertIn(("/verdict/kind", "'potential_deadlock' was expected"), problems)
        problems = self.problems(mutate(self.full, "/hazard", "cycle"))
        self.assertTrue([p for p in problems if p[0] == "/hazard" and "'object'" in p[1]],
                        problems)

    # -- Variations that must pass ------------------------------------------

    VALID = [
        ("minor_version", "/schema", "knot.report/1.3"),
        ("new_top_level_field", "/footprint", {"rss_bytes": 1 << 20}),
        ("new_thread_field", "/threads/0/cpu_seconds", 1.5),
        ("no_verdict", "/verdict", None),
        ("unbounded_channel", "/resources/0/capacity", None),
        ("not_a_worker", "/threads/1/pool_id", None),
        ("new_wait_kind", "/threads/0/wait/kind", "condition_variable"),
        ("fractional_verdict_time", "/verdict/time", "2026-11-28T21:00:03.123456Z"),
        ("unknown_start_time", "/process/start_time", ""),
        ("empty_cycle", "/cycle", []),
        ("large_pc", "/threads/0/stack/0/pc", 0xFFFFFFFFFFFFFFFF),
    ]

    def test_allowed_variations_pass(self):
        for name, pointer, value in self.VALID:
            with self.subTest(name):
                self.assertEqual(self.problems(mutate(self.full, pointer, value)), [], name)

    POTENTIAL_VALID = [
        ("no_wait_stack", "/hazard/edges/0/wait_stack", []),
        ("no_prevention", "/hazard/prevented_by", []),
        ("new_hazard_field", "/hazard/probability", 0.5),
        ("new_hazard_edge_field", "/hazard/edges/0/seen", 3),
        ("upper_case_class", "/hazard/edges/0/from", "event:unlock:7F3A00C0"),
        ("every_event_kind", "/hazard/edges/1/to", "event:open:1"),
        ("help_event", "/hazard/edges/1/to", "event:help:2"),
    ]

    def test_potential_allowed_variations_pass(self):
        for name, pointer, value in self.POTENTIAL_VALID:
            with self.subTest(name):
                self.assertEqual(self.problems(mutate(self.potential, pointer, value)), [], name)

    # -- The command ---------------------------------------------------------

    def run_validator(self, *paths, allow_empty=False):
        command = [sys.executable, ARGS.validator, "--schema", ARGS.schema]
        command += ["--allow-empty"] if allow_empty else []
        result = subprocess.run(
            command + list(paths), capture_output=True, text=True, timeout=60, check=False
        )
        return result.returncode, result.stdout + result.stderr

    def write(self, folder, name, text):
        path = os.path.join(folder, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    # A folder of valid reports: status 0 and a count.
    def test_command_accepts_valid_folder(self):
        status, output = self.run_validator(ARGS.sample)
        self.assertEqual(status, 0, output)
        self.assertIn("3 report(s) valid", output)

    # One bad file among good ones: status 1, and its line names the file,
    # the JSON pointer and the reason.
    def test_command_names_file_pointer_and_reason(self):
        with tempfile.TemporaryDirectory() as folder:
            self.write(folder, "good.json", json.dumps(self.full))
            bad = self.write(
                folder, "bad.json", json.dumps(mutate(self.full, "/process/pid", "4242"))
            )
            status, output = self.run_validator(folder)
        self.assertEqual(status, 1, output)
        self.assertIn("%s: /process/pid: '4242' is not of type 'integer'" % bad, output)
        self.assertIn("1 of 2 file(s) are not valid", output)

    # Reports in subfolders are found too (one folder per scenario).
    def test_command_descends_into_subfolders(self):
        with tempfile.TemporaryDirectory() as folder:
            os.makedirs(os.path.join(folder, "seed"))
            bad = self.write(
                os.path.join(folder, "seed"),
                "r.json",
                json.dumps(mutate(self.full, "/trigger", "cron")),
            )
            status, output = self.run_validator(folder)
        self.assertEqual(status, 1, output)
        self.assertIn("%s: /trigger: 'cron' is not one of" % bad, output)

    # Input that is not JSON at all: truncated, NaN, bad UTF-8.
    def test_command_rejects_malformed_files(self):
        text = json.dumps(self.full)
        cases = [
            ("truncated.json", text[: len(text) // 2], "not valid JSON: line 1"),
            ("nan.json", text.replace('"age_seconds": 0.21', '"age_seconds": NaN'),
             "NaN is not valid JSON"),
        ]
        with tempfile.TemporaryDirectory() as folder:
            for name, content, reason in cases:
                with self.subTest(name):
                    path = self.write(folder, name, content)
                    status, output = self.run_validator(path)
                    self.assertEqual(status, 1, output)
                    self.assertIn("%s: /: %s" % (path, reason), output)
            with self.subTest("bad_utf8"):
                path = os.path.join(folder, "latin1.json")
                with open(path, "wb") as f:
                    f.write(b'{"schema": "knot.report/1", "summary": "caf\xe9"}')
                status, output = self.run_validator(path)
                self.assertEqual(status, 1, output)
                self.assertIn("%s: /: not UTF-8" % path, output)

    # No report to check is a failure (the producing test wrote nothing),
    # unless asked otherwise; a missing path is a failure too.
    def test_command_refuses_empty_input(self):
        with tempfile.TemporaryDirectory() as folder:
            status, output = self.run_validator(folder)
            self.assertEqual(status, 1, output)
            self.assertIn("no *.json file in", output)
            status, output = self.run_validator(folder, allow_empty=True)
            self.assertEqual(status, 0, output)
            missing = os.path.join(folder, "missing")
            status, output = self.run_validator(missing)
            self.assertEqual(status, 1, output)
            self.assertIn("%s: /: no such file or folder" % missing, output)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--schema", required=True)
    parser.add_argument("--validator", required=True)
    parser.add_argument("--sample", required=True, help="folder written by write_sample_report")
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
