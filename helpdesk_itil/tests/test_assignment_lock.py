"""Automatic assignment queues per team without waiting for requests that merely created
tickets of the team: two such requests used to deadlock (seen in the load test,
bench/load/): each insert holds a KEY SHARE lock on the team row (the foreign key) and
``SELECT … FOR UPDATE`` waits for it."""

import psycopg2.errors

from odoo.tests import tagged

from .common import CommittedDataCase


@tagged("post_install", "-at_install")
class TestAssignmentLock(CommittedDataCase):
    def test_assignment_does_not_wait_for_tickets_being_created(self):
        ids = self.commit_records(
            lambda env: {
                "team": env["helpdesk.team"].create(
                    {
                        "name": "Round robin under load",
                        "assignment_method": "round_robin",
                        "member_ids": [(6, 0, env.ref("base.user_admin").ids)],
                    }
                )
            }
        )
        with self.worker() as env_a, self.worker() as env_b:
            # Request A inserted a ticket of the team: the lock its foreign key check takes.
            env_a.cr.execute("SELECT 1 FROM helpdesk_team WHERE id = %s FOR KEY SHARE", [ids["team"]])
            # Request B assigns a ticket of the same team meanwhile.
            env_b.cr.execute("SET LOCAL lock_timeout = '2s'")
            try:
                picked = env_b["helpdesk.team"].browse(ids["team"])._pick_assignees(1)
            except psycopg2.errors.LockNotAvailable:
                self.fail("the assignment waited for a transaction that only created a ticket of the team")
            self.assertEqual(picked[0], env_b.ref("base.user_admin"))
        with self.worker() as env:
            team = env["helpdesk.team"].browse(ids["team"])
            self.assertEqual(team.last_assigned_user_id, env.ref("base.user_admin"))
