"""The author's desk: moderate, answer and follow the conversation from the author's machine,
every request to the inbox signed with the blog's key (``sitegen.social.client``)."""
