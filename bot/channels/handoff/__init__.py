"""Hand-off to a person: a website conversation continued by staff in a Slack thread.

``summary`` builds what staff need from the stored session (pure), ``render`` turns it into
Block Kit (pure), ``contacts`` lists the programmes' contact desks (pure) and ``service`` runs
the hand-off over the store and a Slack poster. The web routes are in
``bot.channels.web.handoff``; the Slack listeners in ``bot.channels.slack.handoff``. See
docs/slack.md (「担当者への引き継ぎ」).
"""
