"""The newsroom: the editor admin screens journalists post from, built on Django's admin."""
