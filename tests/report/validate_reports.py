#!/usr/bin/python3
# validate_reports.py: checks knot reports against docs/report.schema.json.
#
#   validate_reports.py --schema SCHEMA [--allow-empty] PATH...
#
# Each PATH is a report file or a folder whose *.json files (subfolders
# included) are all checked. Every problem is printed as one line,
#
#   <file>: <JSON pointer>: <reason>
#
# and the exit status is 0 when every file is a valid report, 1 when some
# file is not (or, without --allow-empty, when there was no file to check),
# and 2 on a usage or set-up error (no jsonschema module, unreadable schema).
# Runs with Debian's /usr/bin/python3 and python3-jsonschema (4.10).

import argparse
import json
import os
import sys

MAX_ERRORS_PER_FILE = 20
MAX_REASON_CHARS = 240


def fail_setup(message):
    print("validate_reports: " + message, file=sys.stderr)
    sys.exit(2)


try:
    import jsonschema
    from jsonschema.exceptions import best_match
except ImportError:
    fail_setup(
        "the Python module 'jsonschema' is missing for "
        + sys.executable
        + " (Debian: apt-get install python3-jsonschema)"
    )


def json_pointer(path):
    """The RFC 6901 pointer of a jsonschema error path ("/" for the root)."""
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "/" + "/".join(parts)


def shorten(text):
    text = " ".join(text.split())
    if len(text) > MAX_REASON_CHARS:
        text = text[: MAX_REASON_CHARS - 3] + "..."
    return text


def most_specific(error):
    """The error that says most: for a failed oneOf/anyOf (a nullable field,
    say), the reason inside the alternative that got furthest, not the
    generic "is not valid under any of the given schemas"."""
    while error.context:
        # A nullable field's value is no null: that branch's complaint says
        # nothing. Look into the other branch.
        candidates = [
            e for e in error.context if not (e.validator == "type" and e.validator_value == "null")
        ]
        error = best_match(candidates or error.context)
    return error


def reject_constant(name):
    raise ValueError(name + " is not valid JSON")


def load_json(path):
    with open(path, "rb") as f:
        data = f.read()
    text = data.decode("utf-8")  # raises UnicodeDecodeError on bad UTF-8
    return json.loads(text, parse_constant=reject_constant)


def document_order(path):
    """A sort key that puts /threads/2 before /threads/10."""
    return [(0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in path]


def problems_of(document, validator):
    """The schema violations of a parsed document, as (JSON pointer, reason)
    pairs in document order, at most MAX_ERRORS_PER_FILE of them (then a
    count of the rest)."""
    errors = sorted(validator.iter_errors(document), key=lambda e: document_order(e.absolute_path))
    problems = []
    for error in errors[:MAX_ERRORS_PER_FILE]:
        specific = most_specific(error)
        problems.append((json_pointer(specific.absolute_path), shorten(specific.message)))
    if len(errors) > MAX_ERRORS_PER_FILE:
        problems.append(("/", "(%d more problems)" % (len(errors) - MAX_ERRORS_PER_FILE)))
    return problems


def make_validator(schema_path):
    """A validator for the schema in schema_path; exits with status 2 when
    the file is unreadable or not a valid JSON Schema."""
    try:
        with open(schema_path, encoding="utf-8") as f:
            schema = json.load(f)
    except (OSError, ValueError) as e:
        fail_setup("cannot read the schema %s: %s" % (schema_path, e))
    validator_class = jsonschema.validators.validator_for(schema)
    try:
        validator_class.check_schema(schema)
    except jsonschema.exceptions.SchemaError as e:
        fail_setup("%s is not a valid JSON Schema: %s" % (schema_path, shorten(e.message)))
    return validator_class(schema)


def validate_file(path, validator):
    """Returns the problems of one file, as printable lines."""
    try:
        document = load_json(path)
    except OSError as e:
        return ["%s: /: cannot read: %s" % (path, e.strerror)]
    except UnicodeDecodeError as e:
        return ["%s: /: not UTF-8 (byte %d)" % (path, e.start)]
    except json.JSONDecodeError as e:
        return ["%s: /: not valid JSON: line %d column %d: %s" % (path, e.lineno, e.colno, e.msg)]
    except ValueError as e:
        return ["%s: /: %s" % (path, e)]

    return ["%s: %s: %s" % (path, pointer, reason) for pointer, reason in problems_of(document, validator)]


def report_files(paths):
    """The files to check: files as given; for a folder, every *.json in it
    and in its subfolders (a scenario suite keeps one folder per scenario),
    sorted by path."""
    files = []
    for path in paths:
        if os.path.isdir(path):
            found = []
            for folder, _, names in os.walk(path):
                found.extend(os.path.join(folder, n) for n in names if n.endswith(".json"))
            files.extend(sorted(found))
        elif os.path.exists(path):
            files.append(path)
        else:
            print("%s: /: no such file or folder" % path)
            files.append(None)
    return files


def main():
    parser = argparse.ArgumentParser(description="Validate knot reports against the JSON Schema.")
    parser.add_argument("--schema", required=True, help="docs/report.schema.json")
    parser.add_argument(
        "--allow-empty", action="store_true", help="succeed when there is no file to check"
    )
    parser.add_argument("paths", nargs="+", help="report files or folders of reports")
    args = parser.parse_args()

    validator = make_validator(args.schema)

    files = report_files(args.paths)
    if not files and not args.allow_empty:
        print(
            "validate_reports: no *.json file in %s (did the test that writes them run?)"
            % " ".join(args.paths)
        )
        return 1

    num_bad = 0
    for path in files:
        if path is None:
            num_bad += 1
            continue
        problems = validate_file(path, validator)
        for line in problems:
            print(line)
        num_bad += 1 if problems else 0

    checked = len([f for f in files if f is not None])
    if num_bad:
        print("validate_reports: %d of %d file(s) are not valid knot reports" % (num_bad, len(files)))
        return 1
    print("validate_reports: %d report(s) valid against %s" % (checked, args.schema))
    return 0


if __name__ == "__main__":
    sys.exit(main())
