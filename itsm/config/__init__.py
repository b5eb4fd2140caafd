"""The desk's configuration, itsm.yaml: what the settings are, their defaults and the file
`itsm init` writes, how the file is read and checked, and the calendars of holidays."""
