"""19.0.1.3.0: duplicate detection.

Tickets get three stored computed columns: the normalised subject (trigram-indexed), the
fingerprint of the description and the normalised customer address. Left to the ORM, the
upgrade would compute them for every ticket at once, every description in memory; here,
before the ORM sees the model, the columns are added and filled in batches, with the same
functions as the computes (``tools/text.py``, ``email_normalize``). The ORM then finds the
columns filled and only builds their indexes.
"""

from odoo.tools.mail import email_normalize

from odoo.addons.helpdesk_itil.tools.text import description_hash, normalize_subject

BATCH_SIZE = 5000


def migrate(cr, version):
    add_columns(cr)
    fill_columns(cr)


def add_columns(cr):
    cr.execute(
        """
        ALTER TABLE helpdesk_ticket
          ADD COLUMN IF NOT EXISTS subject_normalized varchar,
          ADD COLUMN IF NOT EXISTS description_hash varchar,
          ADD COLUMN IF NOT EXISTS partner_email_normalized varchar
        """
    )


def fill_columns(cr, batch_size=BATCH_SIZE):
    last_id = 0
    while True:
        cr.execute(
            "SELECT id, name, description, partner_email FROM helpdesk_ticket WHERE id > %s ORDER BY id LIMIT %s",
            [last_id, batch_size],
        )
        rows = cr.fetchall()
        if not rows:
            return
        ids, subjects, hashes, emails = [], [], [], []
        for ticket_id, name, description, email in rows:
            ids.append(ticket_id)
            subjects.append(normalize_subject(name) or None)
            hashes.append(description_hash(description) or None)
            emails.append(email_normalize(email or "") or None)
        cr.execute(
            """
            UPDATE helpdesk_ticket ticket
               SET subject_normalized = new.subject,
                   description_hash = new.hash,
                   partner_email_normalized = new.email
              FROM unnest(%s::int[], %s::varchar[], %s::varchar[], %s::varchar[]) AS new(id, subject, hash, email)
             WHERE ticket.id = new.id
            """,
            [ids, subjects, hashes, emails],
        )
        last_id = ids[-1]
