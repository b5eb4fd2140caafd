"""What crosses the desk's edge: e-mail and monitoring alerts read into plain values (pure;
the input is hostile), and mail out through the desk's SMTP server."""
