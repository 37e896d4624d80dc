"""`cuecards config list|get|set|reset`: the typed settings (keys locked by policy refuse)."""

from __future__ import annotations

import argparse
import json
import sys

from app.cli.common import EXIT_OK, BadInput, Failure, load_settings, print_json


def cmd_config(args: argparse.Namespace) -> int:
    from app.settings import SettingError

    settings = load_settings(args, create=args.action in ("set", "reset"))
    try:
        if args.action == "list":
            rows = [
                {
                    "key": s.key,
                    "value": value,
                    "default": s.default,
                    "origin": settings.origin(s.key),
                    "doc": s.doc,
                }
                for s, value in settings.items()
            ]
            if args.json:
                print_json(rows, sys.stdout)
            else:
                for row in rows:
                    lock = "  (locked by policy)" if row["origin"] == "locked" else ""
                    print(f"{row['key']} = {json.dumps(row['value'])}{lock}")
        elif args.action == "get":
            print(json.dumps(settings.get(args.key)))
        elif args.action == "set":
            if args.value is None:
                raise BadInput("config set needs a KEY and a VALUE")
            value = settings.set(args.key, args.value)
            print(f"{args.key} = {json.dumps(value)}")
        elif args.action == "reset":
            settings.reset(args.key)
            print(f"{args.key} = {json.dumps(settings.get(args.key))} (default)")
    except SettingError as exc:
        raise BadInput(str(exc)) from None
    if args.action in ("set", "reset") and args.key == "ui.autostart":
        from app.desktop.autostart import sync_login_item

        problem = sync_login_item(settings, changed=True)
        if problem:
            raise Failure(problem)
    return EXIT_OK
