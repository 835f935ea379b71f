"""Create or drop CI databases on the PostgreSQL server given by a URL."""

import sys

import psycopg
from psycopg import sql


def main(url: str, action: str, *names: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for name in names:
            if action == "create":
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            else:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


if __name__ == "__main__":
    main(*sys.argv[1:])
