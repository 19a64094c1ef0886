from odoo.tests import new_test_user


class KnowledgeFixtures:
    """Articles of each visibility and state, on top of HelpdeskFixtures."""

    @classmethod
    def setup_knowledge_fixtures(cls):
        cls.Article = cls.env["helpdesk.article"]
        cls.category_network = cls.env["helpdesk.category"].create({"name": "Network"})
        cls.public_user = cls.env.ref("base.public_user")
        cls.portal_kb = new_test_user(cls.env, login="kb_portal", groups="base.group_portal", name="Kim Portal")
        cls.article_public = cls.Article.create(
            {
                "name": "Reset your VPN password",
                "body": "<p>Open the self-service page and choose <b>Forgot password</b>.</p>",
                "visibility": "public",
                "state": "published",
                "category_ids": [(6, 0, cls.category_network.ids)],
            }
        )
        cls.article_portal = cls.Article.create(
            {
                "name": "VPN client configuration for customers",
                "body": "<p>Import the profile from your portal account.</p>",
                "visibility": "portal",
                "state": "published",
            }
        )
        cls.article_internal = cls.Article.create(
            {
                "name": "VPN gateway restart procedure",
                "body": "<p>Secret: ssh to gw01 and restart the daemon.</p>",
                "visibility": "internal",
                "state": "published",
            }
        )
        cls.article_draft = cls.Article.create(
            {"name": "VPN drafts for later", "body": "<p>Not ready.</p>", "visibility": "public", "state": "draft"}
        )
