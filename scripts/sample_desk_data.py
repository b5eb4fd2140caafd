"""Content for the sample service desk of Northwind Logistics (data only, no logic).

Three lists of plain dicts: KB (knowledge articles), PROBLEMS and TICKETS. Keys such as
"kb-password-reset", "prb-vpn-mtu" or "t01" are local handles used for cross references
between the lists; the script that builds the sample desk maps them to real record ids.

The company: about 400 people, head office (HQ) plus distribution centre (DC1), hybrid
Active Directory (corp.example.org) synced to Microsoft Entra ID, Microsoft 365, Intune,
GlobalProtect VPN (vpn.example.org), print server PRN01, SAP Business One 10.0 on
ERP-APP01 / ERP-SQL01, Dynamics 365 Sales, Veeam backups, Aruba Wi-Fi, Zebra TC52 scanners.
"""

# ---------------------------------------------------------------------------
# Knowledge base
# ---------------------------------------------------------------------------

KB = [
    {
        "key": "kb-password-reset",
        "title": "Password reset and expired passwords (Windows / Microsoft 365)",
        "category": "access/password",
        "tags": ["password", "reset", "expired", "sspr", "login", "identity-verification"],
        "links": [
            "https://learn.microsoft.com/en-us/entra/identity/authentication/concept-sspr-howitworks",
        ],
        "created": "2026-06-03T09:15:00Z",
        "author": "Fatima Rahman",
        "symptoms": (
            "- Windows sign-in shows *The user name or password is incorrect. Try again.* or "
            "*Your password has expired and must be changed.*\n"
            "- Outlook, Teams or the Microsoft 365 portal keep asking for the password.\n"
            "- The new password is refused with *Unable to update the password. The value provided "
            "for the new password does not meet the length, complexity, or history requirements of the domain.*\n\n"
            "What users say: \"I forgot my password\", \"my password doesn't work since the holidays\", "
            "\"it says my password expired\", \"I changed it and now nothing works on my phone\"."
        ),
        "cause": (
            "Domain passwords expire every 90 days (policy NWL-Default-Password). Users who were absent "
            "when the 14-day expiry warning appeared, or who changed the password on one device only, "
            "end up with an expired or mismatched password. Repeated attempts with the old password "
            "then also lock the account (see the KB article on account lockouts)."
        ),
        "resolution": (
            "**Self-service first.** Users registered for self-service password reset (SSPR) can reset "
            "at https://aka.ms/sspr from any browser or from the *Reset password* link on the Windows "
            "sign-in screen. Writeback to on-premises AD is enabled, so the new password works on the "
            "laptop within a minute.\n\n"
            "**Desk reset** (user not registered, or SSPR fails): follow the script below. Never reset "
            "a password on the strength of an email or Teams message alone.\n\n"
            "**Remote users without VPN:** after a desk reset the laptop still knows the old (cached) "
            "password. The user signs in with the old password, connects GlobalProtect, then presses "
            "Ctrl+Alt+Del > *Lock* and unlocks with the new password so the cache is updated.\n\n"
            "Password rules: at least 12 characters, no part of the name, not one of the last 10."
        ),
        "script": [
            "Ask for the user's full name, department and username (firstname.lastname).",
            "Verify identity: call back on the mobile number stored in the HR record in Entra ID (never a number the caller gives you), or check the photo badge for walk-ins.",
            "Check the account state in PowerShell: Get-ADUser firstname.lastname -Properties LockedOut,Enabled,PasswordExpired,PasswordLastSet.",
            "If the account is disabled, stop and check with HR: it may belong to a leaver.",
            "If the user is registered for SSPR, talk them through https://aka.ms/sspr instead of resetting.",
            "Otherwise open Active Directory Users and Computers, right-click the user > Reset Password, tick 'User must change password at next logon' and 'Unlock the user's account'.",
            "Give the temporary password only on the verified call or in person, never by email or chat.",
            "Stay on the line while the user signs in and sets a new password; remind them to update the password in the mail app on their phone.",
            "Ask the user to register for SSPR at https://aka.ms/ssprsetup if not yet done.",
            "Record in the ticket how identity was verified.",
        ],
    },
    {
        "key": "kb-mfa-reenrol",
        "title": "MFA: new or lost phone, Authenticator re-registration",
        "category": "access/mfa",
        "tags": ["mfa", "authenticator", "lost-phone", "new-phone", "tap", "entra"],
        "links": [
            "https://learn.microsoft.com/en-us/entra/identity/authentication/howto-mfa-userdevicesettings",
            "https://learn.microsoft.com/en-us/entra/identity/authentication/howto-authentication-temporary-access-pass",
        ],
        "created": "2026-06-10T13:40:00Z",
        "author": "Fatima Rahman",
        "symptoms": (
            "- Sign-in prompts *Approve sign-in request* but the notification goes to a phone the user "
            "no longer has.\n"
            "- Microsoft Authenticator on the new phone shows no work account, or the codes are rejected.\n"
            "- *More information required* loop after the user removed the app.\n\n"
            "What users say: \"I lost my phone\", \"I got a new phone and the app is empty\", "
            "\"it keeps asking me to approve on my old phone\", \"I can't get the code\"."
        ),
        "cause": (
            "The Authenticator registration is bound to the device. Moving to a new phone without "
            "adding it first (or without restoring the Authenticator cloud backup) leaves the user "
            "with no usable second factor."
        ),
        "resolution": (
            "**Old phone still available:** the user adds the new phone at "
            "https://mysignins.microsoft.com/security-info (*Add sign-in method* > Microsoft "
            "Authenticator), approves with the old phone, then deletes the old entry. No ticket work "
            "needed beyond guidance.\n\n"
            "**Old phone lost or wiped:** identity team verifies the user, removes the old methods and "
            "issues a Temporary Access Pass (TAP) so the user can register the new phone. If the lost "
            "phone is a company device, also mark it lost in Intune and start a remote wipe, and reset "
            "the password if the phone was unlocked.\n\n"
            "TAP settings: one-time use, valid 8 hours, 8 characters."
        ),
        "script": [
            "Verify identity by call-back to the mobile number on the HR record or in person with badge; if the phone itself was lost, verify with the line manager on a Teams video call.",
            "In the Microsoft Entra admin center open Users > the user > Authentication methods.",
            "Delete the old Microsoft Authenticator and phone entries, or use 'Require re-register multifactor authentication'.",
            "Click 'Add authentication method' > Temporary Access Pass, one-time use, lifetime 8 hours.",
            "Read the TAP to the user on the verified call only.",
            "User opens https://mysignins.microsoft.com/security-info, signs in with the TAP and adds Microsoft Authenticator on the new phone.",
            "Ask the user to test one sign-in (for example https://outlook.office.com) and approve it.",
            "If a company phone was lost: Intune admin center > Devices > the device > Wipe, and note the IMEI in the ticket.",
        ],
    },
    {
        "key": "kb-account-lockout",
        "title": "Account locked out, and finding the source of repeated lockouts",
        "category": "access/account",
        "tags": ["lockout", "locked", "account", "event-4740", "active-directory", "credentials"],
        "links": [
            "https://learn.microsoft.com/en-us/entra/identity/authentication/howto-password-smart-lockout",
        ],
        "created": "2026-06-17T08:05:00Z",
        "author": "Fatima Rahman",
        "symptoms": (
            "- Windows: *The referenced account is currently locked out and may not be logged on to.*\n"
            "- Microsoft 365 sign-in: *Your account is temporarily locked to prevent unauthorized use. "
            "Try again later.* (sign-in log error 50053).\n"
            "- The account unlocks and is locked again within minutes or hours.\n\n"
            "What users say: \"I'm locked out again\", \"it locks me every morning\", "
            "\"I didn't even type anything wrong\"."
        ),
        "cause": (
            "Domain lockout policy: 10 bad passwords within 15 minutes locks the account for 15 minutes. "
            "A single lockout is usually mistyping. Repeated lockouts almost always come from a device "
            "or app still using an old password after a change: the mail app on a phone, a personal "
            "laptop on NWL-Corp Wi-Fi, saved credentials for a mapped drive in Credential Manager, or a "
            "disconnected RDP session."
        ),
        "resolution": (
            "1. Unlock: `Unlock-ADAccount -Identity firstname.lastname` (or ADUC > Account tab > "
            "*Unlock account*). Service desk may unlock after identity verification.\n"
            "2. If it is the second lockout in a day, find the source on the PDC emulator (DC01):\n\n"
            "```powershell\n"
            "Get-WinEvent -ComputerName DC01 -FilterHashtable @{LogName='Security'; Id=4740} -MaxEvents 200 |\n"
            "  Where-Object { $_.Properties[0].Value -eq 'firstname.lastname' } |\n"
            "  Select-Object TimeCreated, @{n='CallerComputer'; e={$_.Properties[1].Value}}\n"
            "```\n\n"
            "3. *CallerComputer* names the device. If it is a Wi-Fi controller or the NPS server, the "
            "source is a phone or personal device on NWL-Corp: check ClearPass/NPS logs for the MAC.\n"
            "4. On the user's laptop clear old entries: `control keymgr.dll` > Windows Credentials.\n"
            "5. On the phone: Outlook app > Settings > account > Reset account, or remove and re-add it.\n"
            "6. For cloud lockouts (error 50053) check Entra sign-in logs for the client app and IP; "
            "foreign IPs mean password spraying, escalate to identity immediately."
        ),
        "script": [],
    },
    {
        "key": "kb-vpn-disconnects",
        "title": "GlobalProtect VPN disconnects every few minutes when working from home",
        "category": "network/vpn",
        "tags": ["vpn", "globalprotect", "disconnect", "mtu", "home", "ipsec"],
        "links": [
            "https://docs.paloaltonetworks.com/globalprotect",
        ],
        "created": "2026-07-02T10:20:00Z",
        "author": "Carla Diaz",
        "symptoms": (
            "- GlobalProtect status flips between *Connected* and *Connecting...* every few minutes.\n"
            "- Teams calls freeze, mapped drives show a red X, SAP Business One reports lost connection.\n"
            "- PanGPS.log shows `Tunnel is down due to keep-alive timeout` followed by a reconnect.\n"
            "- Small things (web, chat) work, large transfers (opening files from S:, printing PDFs) hang.\n\n"
            "What users say: \"the VPN keeps kicking me off\", \"it works for ten minutes and then drops\", "
            "\"it only happens at home, in the office it's fine\"."
        ),
        "cause": (
            "Most common: the home connection has a smaller path MTU than 1500 (PPPoE fibre/DSL, DS-Lite, "
            "4G routers). The IPSec tunnel (ESP over UDP 4501) sends full-size packets, they get "
            "fragmented, and many consumer routers drop the fragments, so keep-alives are lost and the "
            "tunnel restarts. This is a known error with a problem record. Less common: weak Wi-Fi, or Wi-Fi adapter power "
            "saving on battery."
        ),
        "resolution": (
            "1. Ask whether it also happens on a phone hotspot or with a cable to the router. If the "
            "hotspot is stable, the home line is the trigger.\n"
            "2. Measure the path MTU from the laptop (cmd):\n\n"
            "```\n"
            "ping 1.1.1.1 -f -l 1472\n"
            "ping 1.1.1.1 -f -l 1452\n"
            "ping 1.1.1.1 -f -l 1400\n"
            "```\n\n"
            "   *Packet needs to be fragmented but DF set.* at 1472 but success at a lower size means "
            "the line MTU is below 1500.\n"
            "3. Collect logs: GlobalProtect icon > gear > *Settings* > *Troubleshooting* > *Collect Logs*; "
            "attach the zip to the ticket.\n"
            "4. **Workaround (network team):** add the user to AD group `GP-SSL-Only`. The portal then "
            "gives the client a configuration with IPSec disabled and the tunnel runs over SSL/TCP 443, "
            "which does not suffer from the fragmentation. The user disconnects and reconnects once "
            "(or signs out and in) to pick up the new configuration.\n"
            "5. If it also drops on the hotspot: Device Manager > Network adapters > Wi-Fi adapter > "
            "Power Management > untick *Allow the computer to turn off this device to save power*, "
            "and update the Wi-Fi driver through Dell Command | Update."
        ),
        "script": [],
    },
    {
        "key": "kb-vpn-cannot-connect",
        "title": "GlobalProtect cannot connect (hotel, guest networks, expired password, portal address)",
        "category": "network/vpn",
        "tags": ["vpn", "globalprotect", "portal", "hotel", "captive-portal", "certificate"],
        "links": [
            "https://docs.paloaltonetworks.com/globalprotect",
        ],
        "created": "2026-07-08T14:50:00Z",
        "author": "Carla Diaz",
        "symptoms": (
            "- *Could not connect to the GlobalProtect portal.*\n"
            "- *The network connection is unreachable or the portal is not responding.*\n"
            "- *Gateway EXT-GW: Authentication failed.* after the sign-in window.\n"
            "- Stuck on *Connecting...* with no error, or a certificate warning for vpn.example.org.\n\n"
            "What users say: \"VPN won't connect from the hotel\", \"it says portal not responding\", "
            "\"it asks me for a portal address\", \"gateway not responding\"."
        ),
        "cause": (
            "- Hotel, train or guest Wi-Fi with a captive portal that was not accepted yet: all traffic "
            "is redirected, so the portal cannot be reached.\n"
            "- Guest networks that only allow TCP 80/443 block the IPSec tunnel; the client then needs "
            "the SSL fallback, which can take up to 60 s.\n"
            "- Expired Windows password: the Microsoft sign-in inside GlobalProtect asks for a change "
            "and the user cancels it.\n"
            "- After a reinstall the portal field is empty or typed wrong (must be `vpn.example.org`).\n"
            "- Laptop clock wrong by more than a few minutes: TLS and SAML sign-in fail."
        ),
        "resolution": (
            "1. Open a browser and go to http://neverssl.com; if a hotel page appears, accept it, then "
            "reconnect GlobalProtect.\n"
            "2. Check the portal: GlobalProtect > gear > *Settings* > *General*: portal must be "
            "`vpn.example.org`. Remove any other entry.\n"
            "3. If the sign-in window reports an expired password, the user changes it at "
            "https://aka.ms/sspr (see the password reset article), then connects and locks/unlocks Windows.\n"
            "4. Check date/time: Settings > Time & language > Date & time > *Sync now*.\n"
            "5. Still failing: try a phone hotspot. If the hotspot works, the venue network blocks "
            "VPN; the user keeps using the hotspot.\n"
            "6. Collect logs (gear > *Troubleshooting* > *Collect Logs*) and escalate to network with "
            "the exact error text and time."
        ),
        "script": [],
    },
    {
        "key": "kb-wifi-corporate-guest",
        "title": "Wi-Fi networks: NWL-Corp, NWL-Guest vouchers and NWL-Scan for warehouse handhelds",
        "category": "network/wifi",
        "tags": ["wifi", "wireless", "guest", "voucher", "802.1x", "scanner", "warehouse"],
        "links": [],
        "created": "2026-07-15T07:30:00Z",
        "author": "Carla Diaz",
        "symptoms": (
            "- Laptop shows *Can't connect to this network* for NWL-Corp, or connects to NWL-Guest "
            "and cannot reach S: drives, printers or SAP.\n"
            "- Visitors ask for the Wi-Fi password.\n"
            "- Zebra scanners show *No network* or the WMS app reports *Host unreachable* in some "
            "aisles, then recover after a minute.\n\n"
            "What users say: \"Wi-Fi doesn't work in the meeting room\", \"I'm on Wi-Fi but nothing "
            "loads\", \"the guest password doesn't work\", \"scanners keep losing signal in aisle 17\"."
        ),
        "cause": (
            "NWL-Corp uses 802.1X with a device certificate pushed by Intune; a laptop without the "
            "certificate (new build, not synced) cannot join. NWL-Guest is internet-only by design. "
            "Guest vouchers expire at midnight. The scanner drops in DC1 aisles 12-20 are a known error tracked as a problem."
        ),
        "resolution": (
            "**Company laptops**\n"
            "1. Remove a saved guest profile so the laptop stops preferring it:\n"
            "   `netsh wlan show profiles` then `netsh wlan delete profile name=\"NWL-Guest\"`.\n"
            "2. Sync Intune: Settings > Accounts > Access work or school > the account > *Info* > *Sync*. "
            "Check `certlm.msc` > Personal > Certificates for a certificate issued by *NWL Issuing CA*.\n"
            "3. Connect to NWL-Corp; no password prompt should appear.\n\n"
            "**Guests**\n"
            "Reception or the service desk creates a voucher at https://guest.example.org (Sponsor "
            "login > *Create account* > duration 1 day, or up to 5 days for contractors). Vouchers are "
            "never shared with employees' personal devices.\n\n"
            "**Warehouse scanners (NWL-Scan)**\n"
            "Workaround while the problem is open: on the scanner pull down the status bar, toggle "
            "Wi-Fi off/on; note the scanner ID (sticker, e.g. DC1-SC-041), the aisle and the time, and "
            "add them to the ticket so the network team can match AP logs."
        ),
        "script": [],
    },
    {
        "key": "kb-printer-queue-stuck",
        "title": "Print jobs stuck in the queue or printer shows Offline",
        "category": "hardware/printer",
        "tags": ["printer", "print-queue", "spooler", "offline", "stuck", "prn01"],
        "links": [],
        "created": "2026-06-24T11:00:00Z",
        "author": "Dev Patel",
        "symptoms": (
            "- Documents sit in the queue with status *Error - Printing* or *Spooling* and nothing comes out.\n"
            "- Printer shows *Offline* in Settings > Bluetooth & devices > Printers & scanners.\n"
            "- *Windows cannot connect to the printer. Operation failed with error 0x0000007c.*\n"
            "- Several people on the same floor cannot print at the same time.\n\n"
            "What users say: \"my print is stuck\", \"can't print to the 2nd floor printer\", "
            "\"the printer says offline\", \"nobody can print\"."
        ),
        "cause": (
            "One corrupted or very large job blocks the queue; the local spooler holds a broken job "
            "after a sleep/resume; the Print Spooler service on PRN01 stopped (a nightly "
            "crash tracked as a problem); or the printer itself is in an error state (paper jam, "
            "toner, service call)."
        ),
        "resolution": (
            "**One user affected**\n"
            "1. Check the printer panel for jams or errors.\n"
            "2. Open the queue: Settings > Bluetooth & devices > Printers & scanners > the printer > "
            "*Open print queue* > ... > *Cancel all*.\n"
            "3. If jobs will not cancel, clear the local spooler in an elevated prompt:\n\n"
            "```\n"
            "net stop spooler\n"
            "del /q /f %systemroot%\\System32\\spool\\PRINTERS\\*.*\n"
            "net start spooler\n"
            "```\n\n"
            "4. Print a test page.\n\n"
            "**Whole floor or everyone affected**\n"
            "1. Check the server: `Get-Service -ComputerName prn01 -Name Spooler`.\n"
            "2. If it is *Stopped*, raise the ticket to desktop-support at once; do not ask users to "
            "reinstall printers.\n"
            "3. If it is *Running*, check the printer's web page (`http://<printer>.corp.example.org`) "
            "for a service code and log it in the ticket."
        ),
        "script": [],
    },
    {
        "key": "kb-map-network-printer",
        "title": "Adding (mapping) a network printer from PRN01",
        "category": "hardware/printer",
        "tags": ["printer", "add-printer", "map", "prn01", "follow-me", "secure-print"],
        "links": [
            "https://learn.microsoft.com/en-us/windows-server/administration/windows-commands/rundll32-printui",
        ],
        "created": "2026-06-26T15:10:00Z",
        "author": "Dev Patel",
        "symptoms": (
            "- The printer near the user's new desk is not in the print dialog.\n"
            "- New laptop shows only *Microsoft Print to PDF*.\n\n"
            "What users say: \"how do I add the printer\", \"I moved desks and can't print\", "
            "\"the printer on the 1st floor isn't in my list\"."
        ),
        "cause": (
            "Printers are deployed per floor by Intune; users who move floors or sites, or use a "
            "printer outside their area, need to add it manually from the print server."
        ),
        "resolution": (
            "Printer names follow SITE-FLOOR-TYPE##, for example `HQ-1F-MFP02`, `HQ-2F-MFP01`, "
            "`DC1-GI-LBL03` (label printer in goods-in). The name is on the sticker on the front panel.\n\n"
            "Quick way (Run box, Win+R):\n\n"
            "```\n"
            "rundll32 printui.dll,PrintUIEntry /in /n \"\\\\prn01.corp.example.org\\HQ-1F-MFP02\"\n"
            "```\n\n"
            "MFPs use secure print: the job is released at the device with the badge."
        ),
        "script": [
            "Ask the user for the printer name from the sticker on the device (for example HQ-1F-MFP02).",
            "Open Settings > Bluetooth & devices > Printers & scanners > Add device, wait a few seconds, then click 'Add manually'.",
            "Choose 'Select a shared printer by name' and enter `\\\\prn01.corp.example.org\\HQ-1F-MFP02`.",
            "Click Next; the driver installs from PRN01 without admin rights (approved driver list).",
            "Optionally untick 'Let Windows manage my default printer' and set the new printer as default.",
            "Print a test page and ask the user to release it at the device with their badge.",
            "If the badge is not recognised at the device, register it at the device: tap badge > enter Windows username and password once.",
        ],
    },
    {
        "key": "kb-outlook-mailbox-full",
        "title": "Outlook: mailbox full or almost full, online archive",
        "category": "email/mailbox",
        "tags": ["outlook", "mailbox", "quota", "archive", "full", "exchange-online"],
        "links": [
            "https://learn.microsoft.com/en-us/purview/enable-archive-mailboxes",
        ],
        "created": "2026-07-21T09:45:00Z",
        "author": "George Novak",
        "symptoms": (
            "- Outlook banner: *Your mailbox is almost full.* or *Your mailbox is full. You might not "
            "be able to send or receive items.*\n"
            "- Senders get a bounce: `554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException`.\n"
            "- Outlook on a frontline (F3) account stops receiving at 2 GB.\n\n"
            "What users say: \"I can't send emails\", \"customers say my mailbox is full\", "
            "\"Outlook says I need to delete stuff\"."
        ),
        "cause": (
            "Office staff (E3) have a 50 GB mailbox, warning at 49 GB, send blocked at 49.5 GB. "
            "Frontline staff (F3: warehouse, drivers) have 2 GB. Mailboxes without an online archive, "
            "or with many large attachments in Sent Items, reach the quota."
        ),
        "resolution": (
            "1. Check size: `Get-EXOMailboxStatistics user@example.org | fl TotalItemSize,ItemCount` and "
            "`Get-EXOMailbox user@example.org -Properties ArchiveStatus`.\n"
            "2. E3 users: enable the online archive (Exchange admin center > Recipients > Mailboxes > "
            "the user > *Others* > *Manage mailbox archive* > On), or "
            "`Enable-Mailbox -Identity user@example.org -Archive`. Retention policy "
            "*NWL-Default-2y-archive* then moves items older than 2 years. Start it at once with "
            "`Start-ManagedFolderAssistant -Identity user@example.org`; the first run can take 24-48 h.\n"
            "3. Meanwhile the user frees space: empty Deleted Items and *Recover Deleted Items*, search "
            "`size:>5MB` in Sent Items and delete or save attachments to OneDrive.\n"
            "4. F3 users: no archive on F3; clean up with the user, or ask the manager to approve an "
            "E3 licence (software/license request).\n"
            "5. PST files are not allowed (GPO blocks them); do not export to PST to free space."
        ),
        "script": [],
    },
    {
        "key": "kb-shared-mailbox-delegation",
        "title": "Shared mailbox access and calendar delegation requests",
        "category": "email/calendar",
        "tags": ["shared-mailbox", "delegate", "calendar", "send-as", "permissions", "exchange-online"],
        "links": [
            "https://learn.microsoft.com/en-us/microsoft-365/admin/email/create-a-shared-mailbox",
        ],
        "created": "2026-07-29T12:25:00Z",
        "author": "George Novak",
        "symptoms": (
            "- The shared mailbox (for example dispatch@example.org) does not appear in Outlook.\n"
            "- Sending from it fails: `554 5.2.0 STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied`.\n"
            "- Assistant cannot create meetings in the manager's calendar, or does not receive the "
            "manager's meeting requests.\n\n"
            "What users say: \"I need access to the dispatch mailbox\", \"can you give my assistant "
            "access to my calendar\", \"I can see the mailbox but can't send from it\"."
        ),
        "cause": (
            "Access to shared mailboxes and delegation is granted per person on request, with the "
            "approval of the mailbox owner (shared mailbox) or the calendar owner (delegation). "
            "FullAccess does not include Send As; both must be granted."
        ),
        "resolution": (
            "Requires approval by the mailbox or calendar owner in the ticket. Automapping adds the "
            "mailbox to Outlook within about 60 minutes; restarting Outlook afterwards helps. In "
            "Outlook on the web the user opens it via profile picture > *Open another mailbox*."
        ),
        "script": [
            "Check the ticket contains the approval of the mailbox owner (shared mailbox) or the calendar owner (delegation); if not, ask for it and set the ticket pending.",
            "Connect with Connect-ExchangeOnline as a messaging admin.",
            "Shared mailbox read access: Add-MailboxPermission -Identity dispatch@example.org -User firstname.lastname@example.org -AccessRights FullAccess -AutoMapping $true.",
            "Shared mailbox send access: Add-RecipientPermission -Identity dispatch@example.org -Trustee firstname.lastname@example.org -AccessRights SendAs -Confirm:$false.",
            "Calendar delegate: Add-MailboxFolderPermission -Identity manager@example.org:\\Calendar -User assistant@example.org -AccessRights Editor -SharingPermissionFlags Delegate (use Set-MailboxFolderPermission if an entry already exists).",
            "Verify with Get-MailboxPermission / Get-MailboxFolderPermission and paste the result in the ticket.",
            "Tell the user it can take up to 60 minutes to appear, then restart Outlook.",
            "Ask the user to send a test message from the shared mailbox, or to create a test meeting in the calendar.",
        ],
    },
    {
        "key": "kb-new-starter-checklist",
        "title": "New starter onboarding checklist",
        "category": "onboarding/new-starter",
        "tags": ["onboarding", "new-starter", "account", "laptop", "autopilot", "checklist"],
        "links": [
            "https://learn.microsoft.com/en-us/entra/identity/authentication/howto-authentication-temporary-access-pass",
        ],
        "created": "2026-08-04T08:30:00Z",
        "author": "Alice Moreau",
        "symptoms": (
            "HR raises a request for a new employee, contractor or temp. Typical wording: \"new "
            "starter on Monday\", \"please set up accounts for our new warehouse coordinator\", "
            "\"laptop and phone for new driver\"."
        ),
        "cause": (
            "Standard request. Needs at least 5 working days' notice for office staff (laptop "
            "build and shipping), 2 days for warehouse and drivers (shared devices)."
        ),
        "resolution": (
            "Follow the script. Accounts are created disabled until the start date; the laptop is "
            "prepared with Windows Autopilot and handed over on day one, together with a Temporary "
            "Access Pass for MFA registration. The ticket is set pending until the start date and "
            "resolved after the first-day check."
        ),
        "script": [
            "Check the HR request has: full name, job title, department, line manager, start date, site (HQ or DC1), contract end date for temps, and equipment needed; ask HR for anything missing.",
            "Create the AD account by copying the department template user in `OU=Users,OU=<Department>,DC=corp,DC=example,DC=org`; username firstname.lastname, account disabled until the start date.",
            "Add the licence group: LIC-M365-E3 for office staff, LIC-M365-F3 for warehouse and drivers.",
            "Add department security groups and distribution lists as listed on the template; note any extra groups the manager asked for.",
            "Raise linked requests to applications for SAP Business One or Dynamics 365 access if requested, with the manager's approval attached.",
            "Assign a laptop from stock in Intune (Autopilot profile NWL-Standard) or, for drivers, enrol a phone in Intune with the driver profile.",
            "Order or activate the access badge and register it for secure print.",
            "On the day before the start: enable the account, set a random password and create a Temporary Access Pass valid 8 hours from the start time.",
            "Day one: hand over the laptop, let the user sign in with the TAP, register Microsoft Authenticator and set a password at https://aka.ms/sspr.",
            "Check Outlook, Teams, printer and shared drives work, then ask the manager to confirm and resolve the ticket.",
        ],
    },
    {
        "key": "kb-leaver-offboarding",
        "title": "Leaver offboarding checklist",
        "category": "onboarding/leaver",
        "tags": ["offboarding", "leaver", "disable", "mailbox", "devices", "checklist"],
        "links": [],
        "created": "2026-08-04T09:10:00Z",
        "author": "Alice Moreau",
        "symptoms": (
            "HR or a manager reports an employee leaving. Typical wording: \"last day is Friday\", "
            "\"please remove access for\", \"contractor finished today\". Immediate terminations are "
            "handled by phone with HR and done within the hour."
        ),
        "cause": "Standard request.",
        "resolution": (
            "Access is removed at 17:00 on the last working day (immediately for dismissals). The "
            "mailbox is converted to shared and kept 30 days for the manager, then removed. The AD "
            "account stays disabled in OU=Disabled for 90 days before deletion."
        ),
        "script": [
            "Check the request comes from HR (or is confirmed by HR) and note the last working day, the manager, and whether mail should be forwarded.",
            "Record the user's group memberships in the ticket: Get-ADPrincipalGroupMembership firstname.lastname | Select-Object Name.",
            "On the last day at 17:00: Disable-ADAccount firstname.lastname, reset the password to a random value and move the account to OU=Disabled.",
            "Revoke cloud sessions: Revoke-MgUserSignInSession -UserId firstname.lastname@example.org.",
            "Convert the mailbox to shared (Set-Mailbox -Type Shared), grant the manager FullAccess, set the auto-reply text agreed with the manager.",
            "Remove the user from licence and security groups (keep the list in the ticket) once the mailbox conversion is done.",
            "Give the manager access to the user's OneDrive for 30 days (Microsoft 365 admin center > user > OneDrive > Create link to files).",
            "Ask applications to deactivate the SAP Business One and Dynamics 365 users.",
            "Retire or wipe the user's devices in Intune and arrange collection of laptop, phone, badge and charger; note asset tags in the ticket.",
            "Set a reminder for day 30 (remove the shared mailbox permissions) and day 90 (delete the AD account).",
        ],
    },
    {
        "key": "kb-software-install-request",
        "title": "Requesting and installing software (Company Portal, new software, licences)",
        "category": "software/install",
        "tags": ["software", "install", "company-portal", "intune", "licence", "admin-rights"],
        "links": [
            "https://learn.microsoft.com/en-us/mem/intune/user-help/install-apps-cpapp-windows",
        ],
        "created": "2026-08-12T10:00:00Z",
        "author": "Dev Patel",
        "symptoms": (
            "- Installer asks for administrator credentials (UAC prompt) and the user has none.\n"
            "- *This app has been blocked by your system administrator.*\n\n"
            "What users say: \"can you install Visio for me\", \"I need Power BI\", \"it asks for an "
            "admin password\", \"I need Adobe Pro to edit PDFs\"."
        ),
        "cause": (
            "Users have no local administrator rights. Software is installed from the Intune Company "
            "Portal; anything not in the catalogue needs a request, and paid software needs a licence."
        ),
        "resolution": (
            "Most requests are solved by pointing the user to Company Portal (Start > *Company Portal* > "
            "Apps). Free catalogue apps include 7-Zip, Power BI Desktop, Notepad++, Zebra Setup Utilities, "
            "Adobe Acrobat Reader. Licensed apps (Visio Plan 2, Project, Adobe Acrobat Pro) appear in "
            "Company Portal once the user is in the matching licence group."
        ),
        "script": [
            "Ask which software and version is needed, and for what task.",
            "Check Company Portal: if the app is listed, guide the user to install it there and resolve.",
            "If it needs a licence, ask for line manager approval in the ticket and check free licences (Microsoft 365 admin center > Billing > Licenses, or the Adobe Admin Console).",
            "Add the user to the licence group (for example LIC-VISIO-P2 or LIC-ADOBE-ACROBAT-PRO); the app then appears in Company Portal within about 30 minutes.",
            "If the software is not in the catalogue at all, send the request to desktop-support for a security and compatibility review; expect 5 working days.",
            "After approval desktop-support packages it as an Intune Win32 app and assigns it to a group containing the user.",
            "Confirm with the user that the app starts and is licensed, then resolve.",
        ],
    },
    {
        "key": "kb-erp-login",
        "title": "SAP Business One: cannot log in (locked user, licence, server connection)",
        "category": "apps/erp",
        "tags": ["sap", "business-one", "erp", "login", "licence", "locked"],
        "links": [],
        "created": "2026-08-19T13:35:00Z",
        "author": "Hana Sato",
        "symptoms": (
            "- *Invalid user name or password* or *User is locked; contact your system administrator*.\n"
            "- *No license assigned to this user* after login, or the client closes right away.\n"
            "- *Failed to connect to SLD server* / *Connection to the server failed* when opening the client.\n"
            "- The company list is empty or shows the TEST company instead of NWL_PROD.\n\n"
            "What users say: \"SAP won't let me in\", \"it says my user is locked\", "
            "\"SAP says no licence\", \"the company isn't in the list\"."
        ),
        "cause": (
            "SAP Business One users have their own password (not the Windows one) and are locked "
            "after 3 failed attempts. Licences are named: when a user is inactive for 60 days the "
            "licence is reassigned. Remote users without VPN cannot reach the System Landscape "
            "Directory on ERP-APP01 (port 40000)."
        ),
        "resolution": (
            "1. Remote user: check GlobalProtect is connected first.\n"
            "2. Server field on the login screen must be `erp-app01.corp.example.org:40000`; company "
            "`NWL_PROD`.\n"
            "3. Locked or forgotten password (applications team): Administration > Setup > General > "
            "Users > the user > untick *Locked*, set a temporary password and tick *Change Password at "
            "Next Logon*.\n"
            "4. Licence: Administration > License > License Administration > select the user > assign "
            "*Professional* or *Limited Logistics* as agreed with the manager, then *Update*. If none "
            "are free, ask finance controller for approval to buy or reassign.\n"
            "5. After a Windows password change no action is needed in SAP; the passwords are separate."
        ),
        "script": [],
    },
    {
        "key": "kb-backup-restore",
        "title": "Restoring deleted or overwritten files from the file server",
        "category": "infra/backup",
        "tags": ["backup", "restore", "veeam", "previous-versions", "file-server", "fs01"],
        "links": [
            "https://helpcenter.veeam.com/",
        ],
        "created": "2026-08-26T15:20:00Z",
        "author": "Erik Holm",
        "symptoms": (
            "- A file or folder on a shared drive (S:, R:, `\\\\fs01\\shares\\...`) was deleted, moved by "
            "mistake or overwritten with a wrong version.\n\n"
            "What users say: \"I deleted a folder by accident\", \"someone overwrote the Excel\", "
            "\"can you get back yesterday's version\", \"the folder is gone from the Finance drive\"."
        ),
        "cause": (
            "User error in most cases; occasionally sync tools or macros overwriting files. Shares on "
            "FS01 keep VSS snapshots every 4 hours for 7 days; Veeam keeps daily backups for 30 days, "
            "weekly for 12 weeks and monthly for 12 months."
        ),
        "resolution": (
            "**Self-service (last 7 days):** in File Explorer right-click the parent folder > "
            "*Properties* > *Previous Versions*, pick a time, *Open* and copy the needed files back.\n\n"
            "**Older, or whole folders:** infrastructure restores from Veeam following the script. "
            "Restores always go to an alternate location first so nothing current is overwritten."
        ),
        "script": [
            "Ask for the full path, the file or folder names, when it was last known good, and when it went missing.",
            "If the data belongs to another person or department, get approval from the data owner in the ticket.",
            "Check whether Previous Versions covers the date; if yes, guide the user and resolve.",
            "In the Veeam Backup & Replication console: Home > Backups > Disk > job BJ-FS01-Daily > FS01 > Restore guest files > Microsoft Windows, and pick the restore point.",
            "In the Backup Browser select the folder or files and choose Copy To, target `\\\\fs01\\restore$\\<ticket-id>`.",
            "Grant the requester read access to the restore folder and send them the path.",
            "Set the ticket pending until the user confirms the restored data is the right version.",
            "Copy the confirmed data back to the original location (or let the user do it), remove the restore folder after 7 days, and resolve.",
        ],
    },
]

# ---------------------------------------------------------------------------
# Problems
# ---------------------------------------------------------------------------

PROBLEMS = [
    {
        "key": "prb-vpn-mtu",
        "title": "GlobalProtect IPSec tunnel drops on home connections with reduced MTU",
        "category": "network/vpn",
        "description": (
            "Since the move to the new gateway (EXT-GW) in July, home workers on some fibre and DSL "
            "lines lose the VPN tunnel every 5-15 minutes. PanGPS.log shows keep-alive timeouts and "
            "reconnects; the same laptops are stable in the office and on phone hotspots. Affected "
            "lines have a path MTU of 1452-1480 (PPPoE, DS-Lite)."
        ),
        "status": "known_error",
        "workaround": (
            "Add the user to AD group GP-SSL-Only; the portal then serves a client configuration "
            "without IPSec and the tunnel runs over SSL/TCP 443. User reconnects once. Steps in the KB article on GlobalProtect disconnects."
        ),
        "root_cause": (
            "ESP-in-UDP packets from the gateway are sized for a 1500-byte path. On lines with a "
            "smaller MTU they are fragmented and several consumer routers drop the fragments, so "
            "keep-alives time out. Confirmed with captures on two affected home lines."
        ),
        "fix": None,
        "created": "2026-09-10T11:30:00Z",
        "owner": "Carla Diaz",
        "kb": ["kb-vpn-disconnects"],
    },
    {
        "key": "prb-spooler-crash",
        "title": "Print Spooler on PRN01 crashes during the night",
        "category": "hardware/printer",
        "description": (
            "The Print Spooler service on print server PRN01 stops between 01:30 and 02:30 several "
            "times a week. In the morning all queues show Offline and jobs stay in Error - Printing "
            "until the service is restarted. Event log: Application Error 1000, faulting application "
            "spoolsv.exe, followed by Service Control Manager 7031."
        ),
        "status": "resolved",
        "workaround": (
            "Restart the Print Spooler on PRN01 (Restart-Service -Name Spooler on PRN01) and clear "
            "stuck jobs; service recovery set to restart on first and second failure."
        ),
        "root_cause": (
            "The nightly printer inventory task (02:00) enumerates the properties of every queue. "
            "Two old queues for decommissioned HP LaserJets still used the HP Universal Printing "
            "PCL 6 driver 6.1, which was loaded in-process in spoolsv.exe and crashed it when queried."
        ),
        "fix": (
            "Removed the two obsolete queues and the old HP UPD driver package (Change CHG-0412, "
            "2026-10-06), set driver isolation to Isolated for all remaining third-party drivers, "
            "and updated the Ricoh PCL6 V4 driver. No crash since 2026-10-06."
        ),
        "created": "2026-08-21T08:40:00Z",
        "owner": "Erik Holm",
        "kb": ["kb-printer-queue-stuck"],
    },
    {
        "key": "prb-outlook-search",
        "title": "Outlook search returns no or partial results after Microsoft 365 Apps update",
        "category": "email/mailbox",
        "description": (
            "Since the Current Channel update rolled out mid-October, users report that Outlook "
            "(classic) search finds nothing older than a few days, or shows 'We couldn't find what "
            "you're looking for.' for mails that are clearly in the Inbox. Indexing Options shows "
            "the index stuck at 'Indexing in progress' or Outlook items count not increasing. "
            "Outlook on the web finds the same mails."
        ),
        "status": "known_error",
        "workaround": (
            "Deploy the Intune configuration profile 'Outlook - disable Windows Search indexing' "
            "(sets HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\Windows Search\\PreventIndexingOutlook = 1) "
            "to the affected device; Outlook then uses server-side search. Restart Outlook. "
            "Rebuilding the index (Control Panel > Indexing Options > Advanced > Rebuild) helps only for a few days."
        ),
        "root_cause": (
            "The Windows Search index for the Outlook store becomes inconsistent after the Microsoft "
            "365 Apps update migrates the local cache (OST) format; the indexer then skips the store."
        ),
        "fix": None,
        "created": "2026-10-15T10:05:00Z",
        "owner": "George Novak",
        "kb": [],
    },
    {
        "key": "prb-erp-timeout",
        "title": "SAP Business One sessions freeze and disconnect under high load (month-end)",
        "category": "apps/erp",
        "description": (
            "During month-end closing and Monday morning order peaks, SAP Business One clients freeze "
            "for 1-3 minutes and then show 'Connection to the server has been lost' or close. Affects "
            "finance and the warehouse posting goods receipts. ERP-SQL01 shows CPU above 90 % and "
            "blocking chains at the same time. Not reproducible outside peak hours."
        ),
        "status": "open",
        "workaround": None,
        "root_cause": None,
        "fix": None,
        "created": "2026-11-03T14:20:00Z",
        "owner": "Hana Sato",
        "kb": [],
    },
    {
        "key": "prb-warehouse-wifi",
        "title": "Warehouse handheld scanners lose Wi-Fi when roaming between APs (DC1 aisles 12-20)",
        "category": "network/wifi",
        "description": (
            "Zebra TC52 scanners on SSID NWL-Scan drop off the network for 20-60 seconds when pickers "
            "move along aisles 12-20 in DC1. The WMS app shows 'Host unreachable' and picks must be "
            "rescanned. Laptops on NWL-Corp in the same area are not affected. Worse on early shifts "
            "when all 60 scanners are in use."
        ),
        "status": "known_error",
        "workaround": (
            "802.11r fast transition disabled on NWL-Scan and scanners pinned to 5 GHz with the "
            "StageNow profile DC1-Scan-v3. If a scanner still sticks: toggle Wi-Fi on the device and "
            "log scanner ID, aisle and time in the ticket (see the Wi-Fi KB article)."
        ),
        "root_cause": (
            "The current AP firmware mishandles fast BSS transition reassociation for the TC52 "
            "Wi-Fi chipset; the AP sends a deauthentication and the scanner rescans all channels. "
            "Reproduced by the vendor TAC (case 5318842)."
        ),
        "fix": None,
        "created": "2026-09-20T09:15:00Z",
        "owner": "Carla Diaz",
        "kb": ["kb-wifi-corporate-guest"],
    },
]

# ---------------------------------------------------------------------------
# Tickets
# ---------------------------------------------------------------------------

TICKETS = [
    # ----------------------------------------------------------------- September
    {
        "key": "t01",
        "title": "Password expired after holiday, can't log in to warehouse PC",
        "type": "request",
        "category": "access/password",
        "impact": "low",
        "urgency": "high",
        "reporter": "tomasz.kowalski@example.org",
        "channel": "phone",
        "created": "2026-09-01T05:42:00Z",
        "description": (
            "I was on holiday for three weeks and now my password doesn't work on the goods-in PC. "
            "It says my password has expired and then it refuses the new one. I need to print the "
            "picking lists before the shift starts at 8."
        ),
        "status": "closed",
        "owner": "Ben Okoro",
        "group": "service-desk",
        "level": 1,
        "problem": None,
        "kb": ["kb-password-reset"],
        "events": [
            {"at": "2026-09-01T05:44:00Z", "actor": "Ben Okoro", "kind": "assign", "text": "Taken by service desk, caller on the line."},
            {"at": "2026-09-01T05:47:00Z", "actor": "Ben Okoro", "kind": "call", "text": "Called back on the mobile in the HR record (ends 4471) to verify identity. User not registered for SSPR."},
            {"at": "2026-09-01T05:51:00Z", "actor": "Ben Okoro", "kind": "note", "text": "Get-ADUser: PasswordExpired=True, LockedOut=True after several attempts. Unlocked and reset in ADUC with 'User must change password at next logon'. Temporary password given on the verified call."},
            {"at": "2026-09-01T05:58:00Z", "actor": "Ben Okoro", "kind": "resolve", "text": "User signed in on DC1-GI-PC02 and set a new password. Asked him to register for SSPR at https://aka.ms/ssprsetup."},
            {"at": "2026-09-01T05:59:00Z", "actor": "Ben Okoro", "kind": "notify", "text": "Resolution sent to the user by email."},
            {"at": "2026-09-01T09:12:00Z", "actor": "tomasz.kowalski@example.org", "kind": "confirm", "text": "Works, thanks. Registered for the reset thing as well."},
            {"at": "2026-09-02T07:30:00Z", "actor": "Ben Okoro", "kind": "close", "text": "Closed after user confirmation."},
        ],
        "resolution": {"kind": "fix", "summary": "Account unlocked and password reset after call-back verification; user set a new password at logon and registered for SSPR."},
        "major": False,
    },
    {
        "key": "t02",
        "title": "VPN keeps kicking me off at home",
        "type": "incident",
        "category": "network/vpn",
        "impact": "medium",
        "urgency": "medium",
        "reporter": "olivia.chen@example.org",
        "channel": "email",
        "created": "2026-09-03T16:15:00Z",
        "description": (
            "Hello IT,\n\nsince last week the VPN disconnects every 10 minutes or so when I work from "
            "home. Teams calls freeze and the S: drive shows a red cross, then it connects again by "
            "itself. In the office everything is fine. We got new fibre at home in August, not sure "
            "if that matters.\n\nThanks, Olivia (Finance)"
        ),
        "status": "closed",
        "owner": "Carla Diaz",
        "group": "network",
        "level": 2,
        "problem": "prb-vpn-mtu",
        "kb": ["kb-vpn-disconnects"],
        "events": [
            {"at": "2026-09-04T07:05:00Z", "actor": "Alice Moreau", "kind": "assign", "text": "Service desk picked up."},
            {"at": "2026-09-04T07:20:00Z", "actor": "Alice Moreau", "kind": "call", "text": "Called Olivia. Drops only at home, stable on phone hotspot. ping 1.1.1.1 -f -l 1472 fails, -l 1452 works: line MTU 1480 (PPPoE). Collected GlobalProtect logs, attached."},
            {"at": "2026-09-04T07:25:00Z", "actor": "Alice Moreau", "kind": "escalate", "text": "Escalated to network: keep-alive timeouts in PanGPS.log, looks like MTU on home line."},
            {"at": "2026-09-04T09:40:00Z", "actor": "Carla Diaz", "kind": "note", "text": "Third case this month with PPPoE lines. Added user to GP-SSL-Only as a test so the tunnel runs over TCP 443. Will open a problem if it holds."},
            {"at": "2026-09-04T09:45:00Z", "actor": "Carla Diaz", "kind": "email", "text": "Asked Olivia to disconnect and reconnect GlobalProtect once today and to report any drop."},
            {"at": "2026-09-08T08:10:00Z", "actor": "Carla Diaz", "kind": "resolve", "text": "No drop since Friday over SSL (user worked from home on Friday and Monday). Workaround kept; problem opened for the VPN MTU issue."},
            {"at": "2026-09-08T08:11:00Z", "actor": "Carla Diaz", "kind": "notify", "text": "User informed; she stays in GP-SSL-Only until the gateway change."},
            {"at": "2026-09-08T12:02:00Z", "actor": "olivia.chen@example.org", "kind": "confirm", "text": "Yes, stable all week. Thank you."},
            {"at": "2026-09-10T07:00:00Z", "actor": "Carla Diaz", "kind": "close", "text": "Closed."},
        ],
        "resolution": {"kind": "workaround", "summary": "User added to GP-SSL-Only so GlobalProtect uses SSL instead of IPSec; home line has MTU 1480. Root cause tracked in the VPN MTU problem."},
        "major": False,
    },
    {
        "key": "t03",
        "title": "can't print to the 2nd floor printer, jobs just sit there",
        "type": "incident",
        "category": "hardware/printer",
        "impact": "medium",
        "urgency": "high",
        "reporter": "paul.martin@example.org",
        "channel": "chat",
        "created": "2026-09-07T06:05:00Z",
        "description": (
            "Morning, none of us on the 2nd floor can print to HQ-2F-MFP01. The jobs stay in the queue "
            "with 'Error - Printing'. We need the payment run printouts by 9."
        ),
        "status": "closed",
        "owner": "Dev Patel",
        "group": "desktop-support",
        "level": 2,
        "problem": "prb-spooler-crash",
        "kb": ["kb-printer-queue-stuck"],
        "events": [
            {"at": "2026-09-07T06:08:00Z", "actor": "Alice Moreau", "kind": "assign", "text": "Picked up from chat."},
            {"at": "2026-09-07T06:12:00Z", "actor": "Alice Moreau", "kind": "chat", "text": "Asked Paul whether the printer panel shows an error: no, it is ready. Several colleagues affected."},
            {"at": "2026-09-07T06:15:00Z", "actor": "Alice Moreau", "kind": "note", "text": "Get-Service -ComputerName prn01 -Name Spooler: Stopped. All floors will be affected."},
            {"at": "2026-09-07T06:16:00Z", "actor": "Alice Moreau", "kind": "escalate", "text": "Escalated to desktop-support: spooler stopped on PRN01."},
            {"at": "2026-09-07T06:25:00Z", "actor": "Dev Patel", "kind": "note", "text": "Spooler crashed at 02:03 (Application Error 1000, spoolsv.exe). Restarted service, cleared 14 stuck jobs. Printing again. Same pattern as 21 Aug, problem already open."},
            {"at": "2026-09-07T06:30:00Z", "actor": "Dev Patel", "kind": "resolve", "text": "Service restarted, queues printing. Linked to the spooler crash problem."},
            {"at": "2026-09-07T06:31:00Z", "actor": "Dev Patel", "kind": "notify", "text": "Told Paul in chat; asked users to resend jobs that were cancelled."},
            {"at": "2026-09-07T07:02:00Z", "actor": "paul.martin@example.org", "kind": "confirm", "text": "Printing fine now."},
            {"at": "2026-09-09T08:00:00Z", "actor": "Dev Patel", "kind": "close", "text": "Closed."},
        ],
        "resolution": {"kind": "workaround", "summary": "Restarted the Print Spooler on PRN01 and cleared stuck jobs; recurring crash tracked in the spooler crash problem."},
        "major": False,
    },
    {
        "key": "t04",
        "title": "Laptop extremely slow, says disk is full",
        "type": "incident",
        "category": "hardware/laptop",
        "impact": "low",
        "urgency": "medium",
        "reporter": "irene.costa@example.org",
        "channel": "walk-in",
        "created": "2026-09-09T08:20:00Z",
        "description": (
            "Came to the IT desk. My laptop takes ages to open anything and Windows keeps saying "
            "'You're running out of space on this PC'. Excel crashed twice this morning while saving."
        ),
        "status": "closed",
        "owner": "Dev Patel",
        "group": "desktop-support",
        "level": 2,
        "problem": None,
        "kb": [],
        "events": [
            {"at": "2026-09-09T08:22:00Z", "actor": "Ben Okoro", "kind": "assign", "text": "Walk-in, laptop NWL-LT-0217 (Latitude 5430) left at the desk."},
            {"at": "2026-09-09T08:35:00Z", "actor": "Ben Okoro", "kind": "note", "text": "C: has 1.2 GB free of 237 GB. Storage Sense not helping; user Downloads folder 38 GB. Escalating to desktop-support for cleanup and health check."},
            {"at": "2026-09-09T08:36:00Z", "actor": "Ben Okoro", "kind": "escalate", "text": "Escalated to desktop-support."},
            {"at": "2026-09-09T10:10:00Z", "actor": "Dev Patel", "kind": "note", "text": "WizTree: 61 GB in `C:\\Users\\irene.costa\\AppData\\Local\\Temp` from a supplier portal export tool, 38 GB Downloads (mostly duplicates of supplier catalogues already in SharePoint), OneDrive set to keep all files offline. Cleared Temp, set OneDrive Files On-Demand, ran Disk Cleanup incl. Windows Update cleanup."},
            {"at": "2026-09-09T10:40:00Z", "actor": "Dev Patel", "kind": "call", "text": "Went through Downloads with Irene; she deleted the duplicates herself. 142 GB free now."},
            {"at": "2026-09-09T10:45:00Z", "actor": "Dev Patel", "kind": "resolve", "text": "Disk cleaned, OneDrive Files On-Demand enabled, laptop returned."},
            {"at": "2026-09-09T10:46:00Z", "actor": "Dev Patel", "kind": "notify", "text": "User informed at handover."},
            {"at": "2026-09-10T07:15:00Z", "actor": "irene.costa@example.org", "kind": "confirm", "text": "Much faster, thanks."},
            {"at": "2026-09-11T07:00:00Z", "actor": "Dev Patel", "kind": "close", "text": "Closed."},
        ],
        "resolution": {"kind": "fix", "summary": "Freed 140 GB (temp files from supplier export tool, duplicate downloads), enabled OneDrive Files On-Demand."},
        "major": False,
    },
    {
        "key": "t05",
        "title": "Mailbox full - can't send emails",
        "type": "incident",
        "category": "email/mailbox",
        "impact": "medium",
        "urgency": "high",
        "reporter": "claire.dubois@example.org",
        "channel": "email",
        "created": "2026-09-11T11:30:00Z",
        "description": (
            "Hi,\n\nOutlook says my mailbox is full and my emails stay in the Outbox. Our auditors "
            "also told me their mails bounced. I need this working today, we're in the middle of the "
            "audit.\n\nClaire Dubois\nCFO"
        ),
        "status": "closed",
        "owner": "George Novak",
        "group": "messaging",
        "level": 2,
        "problem": None,
        "kb": ["kb-outlook-mailbox-full"],
        "events": [
            {"at": "2026-09-11T11:34:00Z", "actor": "Alice Moreau", "kind": "assign", "text": "Service desk picked up."},
            {"at": "2026-09-11T11:38:00Z", "actor": "Alice Moreau", "kind": "escalate", "text": "Mailbox at quota, no archive enabled. Escalated to messaging."},
            {"at": "2026-09-11T11:55:00Z", "actor": "George Novak", "kind": "note", "text": "Get-EXOMailboxStatistics: 49.6 GB, ArchiveStatus None. Enabled archive (Enable-Mailbox -Archive) and ran Start-ManagedFolderAssistant."},
            {"at": "2026-09-11T12:05:00Z", "actor": "George Novak", "kind": "call", "text": "With Claire: emptied Deleted Items (6.1 GB) and Recover Deleted Items, moved two large audit attachments to OneDrive. Mailbox at 42 GB, sending works."},
            {"at": "2026-09-11T12:10:00Z", "actor": "George Novak", "kind": "resolve", "text": "Sending restored; online archive enabled and will take older items over the next 48 h."},
            {"at": "2026-09-11T12:11:00Z", "actor": "George Novak", "kind": "notify", "text": "Resolution sent to user."},
            {"at": "2026-09-14T08:20:00Z", "actor": "George Novak", "kind": "note", "text": "Archive now 11 GB, primary 31 GB."},
            {"at": "2026-09-14T09:03:00Z", "actor": "claire.dubois@example.org", "kind": "confirm", "text": "All fine, thank you George."},
            {"at": "2026-09-14T09:30:00Z", "actor": "George Novak", "kind": "close", "text": "Closed."},
        ],
        "resolution": {"kind": "fix", "summary": "Online archive enabled with 2-year retention policy, Deleted Items emptied; primary mailbox down from 49.6 GB to 31 GB."},
        "major": False,
    },
    {
        "key": "t06",
        "title": "Please install Visio",
        "type": "request",
        "category": "software/install",
        "impact": "low",
        "urgency": "low",
        "reporter": "chloe.bennett@example.org",
        "channel": "web",
        "created": "2026-09-14T07:00:00Z",
        "description": (
            "I need Visio to update the warehouse layout diagrams for the new racking. Installing it "
            "myself asks for an admin password. My manager (Robert Hughes) is fine with it."
        ),
        "status": "closed",
        "owner": "Dev Patel",
        "group": "desktop-support",
        "level": 2,
        "problem": None,
        "kb": ["kb-software-install-request"],
        "events": [
            {"at": "2026-09-14T07:30:00Z", "actor": "Ben Okoro", "kind": "assign", "text": "Licensed app, passing to desktop-support for licence check."},
            {"at": "2026-09-14T07:31:00Z", "actor": "Ben Okoro", "kind": "escalate", "text": "Escalated to desktop-support."},
            {"at": "2026-09-14T09:00:00Z", "actor": "Dev Patel", "kind": "email", "text": "Asked Robert Hughes to confirm approval in the ticket (Visio Plan 2 is charged to marketing cost centre)."},
            {"at": "2026-09-15T06:50:00Z", "actor": "Dev Patel", "kind": "note", "text": "Approval received by email from Robert Hughes. 2 free Visio Plan 2 licences. Added user to LIC-VISIO-P2."},
            {"at": "2026-09-15T08:10:00Z", "actor": "Dev Patel", "kind": "resolve", "text": "Visio appears in Company Portal; user installed it and it is licensed."},
            {"at": "2026-09-15T08:11:00Z", "actor": "Dev Patel", "kind": "notify", "text": "User informed."},
            {"at": "2026-09-15T10:40:00Z", "actor": "chloe.bennett@example.org", "kind": "confirm", "text": "Installed and working."},
            {"at": "2026-09-17T07:00:00Z", "actor": "Dev Patel", "kind": "close", "text": "Closed."},
        ],
        "resolution": {"kind": "fix", "summary": "Manager approval obtained, user added to LIC-VISIO-P2, Visio installed from Company Portal."},
        "major": False,
    },
    {
        "key": "t07",
        "title": "PRN01: service Print Spooler is not running",
        "type": "incident",
        "category": "hardware/printer",
        "impact": "high",
        "urgency": "medium",
        "reporter": "zabbix@monitoring.example.org",
        "channel": "monitoring",
        "created": "2026-09-16T00:14:00Z",
        "description": (
            "PROBLEM: Service \"Spooler\" (Print Spooler) is not running on PRN01\n"
            "Host: prn01.corp.example.org\nSeverity: High\nStarted: 2026-09-16 00:13:41 UTC\n"
            "Trigger: service.info[Spooler,state] <> 0 for 1m"
        ),
        "status": "closed",
        "owner": "Dev Patel",
        "group": "desktop-support",
        "level": 2,
        "problem": "prb-spooler-crash",
        "kb": ["kb-printer-queue-stuck"],
        "events": [
            {"at": "2026-09-16T05:30:00Z", "actor": "Ben Okoro", "kind": "assign", "text": "Morning check of overnight alerts."},
            {"at": "2026-09-16T05:32:00Z", "actor": "Ben Okoro", "kind": "escalate", "text": "Known spooler crash on PRN01, escalated to desktop-support before office opens."},
            {"at": "2026-09-16T05:45:00Z", "actor": "Dev Patel", "kind": "note", "text": "Crash at 00:13 this time, same Application Error 1000 in spoolsv.exe. Restarted service, queues Ready. Enabled service recovery: restart on first and second failure. Crash dump copied to `\\\\fs01\\it$\\prn01-dumps` for the problem."},
            {"at": "2026-09-16T05:50:00Z", "actor": "Dev Patel", "kind": "resolve", "text": "Service running, alert cleared. Linked to the spooler crash problem."},
            {"at": "2026-09-16T05:51:00Z", "actor": "Dev Patel", "kind": "notify", "text": "Posted in IT Teams channel."},
            {"at": "2026-09-17T06:00:00Z", "actor": "Dev Patel", "kind": "confirm", "text": "No new alert in 24 h."},
            {"at": "2026-09-17T06:01:00Z", "actor": "Dev Patel", "kind": "close", "text": "Closed; further occurrences tracked in the problem."},
        ],
        "resolution": {"kind": "workaround", "summary": "Spooler restarted and automatic service recovery configured; crash dump collected for the spooler crash problem."},
        "major": False,
    },
    {
        "key": "t08",
        "title": "Scanners dropping Wi-Fi in aisles 14-20",
        "type": "incident",
        "category": "network/wifi",
        "impact": "high",
        "urgency": "medium",
        "reporter": "daniel.schmidt@example.org",
        "channel": "phone",
        "created": "2026-09-18T04:40:00Z",
        "description": (
            "Daniel (DC1 warehouse manager) called: since Monday the handheld scanners lose the network "
            "in aisles 14 to 20, the picking app says 'Host unreachable' and pickers have to rescan. "
            "It costs us about 15 minutes per picker per shift."
        ),
        "status": "closed",
        "owner": "Carla Diaz",
        "group": "network",
        "level": 2,
        "problem": "prb-warehouse-wifi",
        "kb": [],
        "events": [
            {"at": "2026-09-18T04:45:00Z", "actor": "Ben Okoro", "kind": "assign", "text": "Logged from phone call."},
            {"at": "2026-09-18T04:50:00Z", "actor": "Ben Okoro", "kind": "escalate", "text": "Warehouse-wide, escalated to network."},
            {"at": "2026-09-18T06:30:00Z", "actor": "Carla Diaz", "kind": "note", "text": "Controller logs: repeated deauth of TC52 clients during roam between DC1-AP-14 and DC1-AP-17, reason 'FT reassociation failed'. Started after AP firmware upgrade on 14 Sep."},
            {"at": "2026-09-18T07:15:00Z", "actor": "Carla Diaz", "kind": "call", "text": "Walked aisles 14-20 with Daniel and two pickers; reproduced the drop with scanner DC1-SC-041."},
            {"at": "2026-09-18T09:00:00Z", "actor": "Carla Diaz", "kind": "note", "text": "Disabled 802.11r on SSID NWL-Scan as a test. Opened vendor TAC case."},
            {"at": "2026-09-19T13:00:00Z", "actor": "Carla Diaz", "kind": "resolve", "text": "Drops reduced from ~40 per shift to 3 with 802.11r off. Workaround in place; vendor case and problem record opened."},
            {"at": "2026-09-19T13:01:00Z", "actor": "Carla Diaz", "kind": "notify", "text": "Daniel informed by phone and email."},
            {"at": "2026-09-21T06:20:00Z", "actor": "daniel.schmidt@example.org", "kind": "confirm", "text": "Much better over the weekend shifts."},
            {"at": "2026-09-22T07:00:00Z", "actor": "Carla Diaz", "kind": "close", "text": "Closed, tracking continues in the problem."},
        ],
        "resolution": {"kind": "workaround", "summary": "802.11r fast transition disabled on NWL-Scan; drops down from about 40 to 3 per shift. Vendor TAC case open, tracked in the warehouse Wi-Fi problem."},
        "major": False,
    },
    {
        "key": "t09",
        "title": "SAP says my user is locked",
        "type": "incident",
        "category": "apps/erp",
        "impact": "medium",
        "urgency": "high",
        "reporter": "sandra.kim@example.org",
        "channel": "phone",
        "created": "2026-09-22T06:10:00Z",
        "description": (
            "I can't get into SAP Business One, it says 'User is locked; contact your system "
            "administrator'. I think I typed the old password a few times. I have to post supplier "
            "invoices before the 11:00 payment cut-off."
        ),
        "status": "closed",
        "owner": "Hana Sato",
        "group": "applications",
        "level": 2,
        "problem": None,
        "kb": ["kb-erp-login"],
        "events": [
            {"at": "2026-09-22T06:12:00Z", "actor": "Alice Moreau", "kind": "assign", "text": "Service desk took the call."},
            {"at": "2026-09-22T06:15:00Z", "actor": "Alice Moreau", "kind": "escalate", "text": "SAP user unlock needs applications. Urgent because of payment cut-off."},
            {"at": "2026-09-22T06:40:00Z", "actor": "Hana Sato", "kind": "note", "text": "Administration > Setup > General > Users: user SKIM locked after 3 failed logons. Unlocked, temporary password set with 'Change Password at Next Logon'."},
            {"at": "2026-09-22T06:45:00Z", "actor": "Hana Sato", "kind": "call", "text": "Gave temporary password to Sandra on her desk phone, she logged in to NWL_PROD and changed it. Explained that SAP and Windows passwords are separate."},
            {"at": "2026-09-22T06:47:00Z", "actor": "Hana Sato", "kind": "resolve", "text": "User unlocked and logged in."},
            {"at": "2026-09-22T06:48:00Z", "actor": "Hana Sato", "kind": "notify", "text": "User informed on the call."},
            {"at": "2026-09-22T08:30:00Z", "actor": "sandra.kim@example.org", "kind": "confirm", "text": "Works, invoices posted."},
            {"at": "2026-09-23T07:00:00Z", "actor": "Hana Sato", "kind": "close", "text": "Closed."},
        ],
        "resolution": {"kind": "fix", "summary": "SAP Business One user unlocked and temporary password set; user changed it at logon."},
        "major": False,
    },
    {
        "key": "t10",
        "title": "FS01: free disk space is less than 10% on volume E:",
        "type": "incident",
        "category": "infra/storage",
        "impact": "medium",
        "urgency": "medium",
        "reporter": "zabbix@monitoring.example.org",
        "channel": "monitoring",
        "created": "2026-09-27T01:30:00Z",
        "description": (
            "PROBLEM: Free disk space is less than 10% on volume E: (shares)\n"
            "Host: fs01.corp.example.org\nSeverity: Warning\nCurrent value: 8.7 % (174 GB free of 2.0 TB)\n"
            "Started: 2026-09-27 01:29:58 UTC"
        ),
        "status": "closed",
        "owner": "Erik Holm",
        "group": "infrastructure",
        "level": 3,
        "problem": None,
        "kb": [],
        "events": [
            {"at": "2026-09-28T06:05:00Z", "actor": "Ben Okoro", "kind": "assign", "text": "Weekend alert, passing to infrastructure."},
            {"at": "2026-09-28T06:06:00Z", "actor": "Ben Okoro", "kind": "escalate", "text": "Escalated to infrastructure."},
            {"at": "2026-09-28T08:30:00Z", "actor": "Erik Holm", "kind": "note", "text": "TreeSize: `S:\\Sales\\Scans` grew 310 GB in two weeks, the new MFP scan-to-folder saves 600 dpi colour TIFFs. Growth is about 20 GB/day."},
            {"at": "2026-09-28T10:00:00Z", "actor": "Erik Holm", "kind": "note", "text": "Extended VMDK and volume E: by 500 GB (datastore has 3.1 TB free). Asked Dev to change the MFP scan profile to 300 dpi PDF."},
            {"at": "2026-09-29T07:45:00Z", "actor": "Erik Holm", "kind": "resolve", "text": "E: now 27 % free; scan profile changed on HQ MFPs, growth back to ~1 GB/day."},
            {"at": "2026-09-29T07:46:00Z", "actor": "Erik Holm", "kind": "notify", "text": "Summary posted in IT channel."},
            {"at": "2026-10-01T07:00:00Z", "actor": "Erik Holm", "kind": "confirm", "text": "Trend stable over 2 days, alert resolved in Zabbix."},
            {"at": "2026-10-01T07:01:00Z", "actor": "Erik Holm", "kind": "close", "text": "Closed."},
        ],
        "resolution": {"kind": "fix", "summary": "Volume E: on FS01 extended by 500 GB and MFP scan-to-folder profile changed from 600 dpi TIFF to 300 dpi PDF."},
        "major": False,
    },
    # ----------------------------------------------------------------- October
    {
        "key": "t11",
        "title": "Locked out again, third time this week",
        "type": "incident",
        "category": "access/account",
        "impact": "medium",
        "urgency": "high",
        "reporter": "luis.ferreira@example.org",
        "channel": "walk-in",
        "created": "2026-10-01T05:55:00Z",
        "description": (
            "Luis came to the IT desk before his route: his account is locked again, the driver "
            "tablet at the depot says 'The referenced account is currently locked out'. He changed "
            "his password on Monday. He needs the tablet to print the delivery notes."
        ),
        "status": "closed",
        "owner": "Fatima Rahman",
        "group": "identity",
        "level": 2,
        "problem": None,
        "kb": ["kb-account-lockout"],
        "events": [
            {"at": "2026-10-01T05:57:00Z", "actor": "Ben Okoro", "kind": "assign", "text": "Walk-in, identity checked with badge."},
            {"at": "2026-10-01T06:00:00Z", "actor": "Ben Okoro", "kind": "note", "text": "Unlocked with Unlock-ADAccount so he can start his route. Third lockout since Monday, escalating to find the source."},
            {"at": "2026-10-01T06:01:00Z", "actor": "Ben Okoro", "kind": "escalate", "text": "Escalated to identity for lockout source."},
            {"at": "2026-10-01T07:30:00Z", "actor": "Fatima Rahman", "kind": "note", "text": "Event 4740 on DC01: caller computer NPS01 every ~30 min. NPS log shows MAC of his personal Android phone still joined to NWL-Corp with the old password (personal device should not be on NWL-Corp at all)."},
            {"at": "2026-10-01T14:10:00Z", "actor": "Fatima Rahman", "kind": "call", "text": "Called Luis after his route; he removed the NWL-Corp network from his personal phone. Explained that personal phones use NWL-Guest only."},
            {"at": "2026-10-02T08:00:00Z", "actor": "Fatima Rahman", "kind": "resolve", "text": "No further 4740 events in 18 h."},
            {"at": "2026-10-02T08:01:00Z", "actor": "Fatima Rahman", "kind": "notify", "text": "User informed by SMS and email."},
            {"at": "2026-10-03T05:40:00Z", "actor": "luis.ferreira@example.org", "kind": "confirm", "text": "no more lockouts thanks"},
            {"at": "2026-10-05T07:00:00Z", "actor": "Fatima Rahman", "kind": "close", "text": "Closed."},
        ],
        "resolution": {"kind": "fix", "summary": "Lockout source was the user's personal phone joined to NWL-Corp with the old password; network removed from the phone."},
        "major": False,
    },
    {
        "key": "t12",
        "title": "Nobody in customer service can print",
        "type": "incident",
        "category": "hardware/printer",
        "impact": "high",
        "urgency": "medium",
        "reporter": "sophie.laurent@example.org",
        "channel": "phone",
        "created": "2026-10-02T06:20:00Z",
        "description": (
            "None of the printers work for us this morning, all show Offline. We need to print "
            "returns labels for the courier pickup at 10."
        ),
        "status": "closed",
        "owner": "Dev Patel",
        "group": "desktop-support",
        "level": 2,
        "problem": "prb-spooler-crash",
        "kb": ["kb-printer-queue-stuck"],
        "events": [
            {"at": "2026-10-02T06:22:00Z", "actor": "Alice Moreau", "kind": "assign", "text": "Taken by service desk."},
            {"at": "2026-10-02T06:24:00Z", "actor": "Alice Moreau", "kind": "note", "text": "PRN01 spooler stopped again (crash 01:58). Zabbix alert did not fire: check monitoring."},
            {"at": "2026-10-02T06:25:00Z", "actor": "Alice Moreau", "kind": "escalate", "text": "Escalated to desktop-support."},
            {"at": "2026-10-02T06:33:00Z", "actor": "Dev Patel", "kind": "note", "text": "Recovery action restarted the service but it crashed again on the 2nd restart, so it stayed stopped. Started manually, cleared 31 jobs. Zabbix item was disabled during last week's maintenance, re-enabled."},
            {"at": "2026-10-02T06:40:00Z", "actor": "Dev Patel", "kind": "resolve", "text": "Printing restored. Problem analysis points at the 02:00 inventory task and old HP driver; change raised for Tuesday."},
            {"at": "2026-10-02T06:41:00Z", "actor": "Dev Patel", "kind": "notify", "text": "Sophie informed by phone."},
            {"at": "2026-10-02T08:15:00Z", "actor": "sophie.laurent@example.org", "kind": "confirm", "text": "Labels printed, thanks."},
            {"at": "2026-10-05T07:00:00Z", "actor": "Dev Patel", "kind": "close", "text": "Closed."},
        ],
        "resolution": {"kind": "workaround", "summary": "Print Spooler on PRN01 restarted and stuck jobs cleared; monitoring item re-enabled. Permanent fix via the spooler crash problem."},
        "major": False,
    },
    {
        "key": "t13",
        "title": "VPN drops every few minutes, impossible to work from home",
        "type": "incident",
        "category": "network/vpn",
        "impact": "medium",
        "urgency": "medium",
        "reporter": "ryan.obrien@example.org",
        "channel": "web",
        "created": "2026-10-05T17:30:00Z",
        "description": (
            "GlobalProtect connects, then after 5 minutes goes to 'Connecting...' and back. Dynamics "
            "and Teams keep disconnecting. I tried restarting the laptop and the router. Works fine "
            "on my phone hotspot."
        ),
        "status": "closed",
        "owner": "Carla Diaz",
        "group": "network",
        "level": 2,
        "problem": "prb-vpn-mtu",
        "kb": ["kb-vpn-disconnects"],
        "events": [
            {"at": "2026-10-06T06:50:00Z", "actor": "Ben Okoro", "kind": "assign", "text": "Picked up from portal."},
            {"at": "2026-10-06T07:10:00Z", "actor": "Ben Okoro", "kind": "call", "text": "Followed the VPN disconnects KB article with Ryan: -f -l 1472 fails, 1444 works (DS-Lite line). Logs collected."},
            {"at": "2026-10-06T07:12:00Z", "actor": "Ben Okoro", "kind": "escalate", "text": "Matches the known VPN MTU error, escalated to network for GP-SSL-Only."},
            {"at": "2026-10-06T08:00:00Z", "actor": "Carla Diaz", "kind": "note", "text": "Added to GP-SSL-Only. Asked user to reconnect."},
            {"at": "2026-10-08T07:30:00Z", "actor": "Carla Diaz", "kind": "resolve", "text": "User reports stable connection for two days. Workaround applied."},
            {"at": "2026-10-08T07:31:00Z", "actor": "Carla Diaz", "kind": "notify", "text": "User informed."},
            {"at": "2026-10-08T09:15:00Z", "actor": "ryan.obrien@example.org", "kind": "confirm", "text": "Confirmed, all good."},
            {"at": "2026-10-09T07:00:00Z", "actor": "Carla Diaz", "kind": "close", "text": "Closed."},
        ],
        "resolution": {"kind": "workaround", "summary": "Known VPN MTU error: user added to GP-SSL-Only (DS-Lite home line, MTU 1472)."},
        "major": False,
    },
    {
        "key": "t14",
        "title": "VPN won't connect from hotel, customer meeting tomorrow",
        "type": "incident",
        "category": "network/vpn",
        "impact": "medium",
        "urgency": "high",
        "reporter": "marco.rossi@example.org",
        "channel": "phone",
        "created": "2026-10-07T18:30:00Z",
        "description": (
            "I'm at a hotel for a customer visit and GlobalProtect says 'The network connection is "
            "unreachable or the portal is not responding'. Internet works on my phone. I need the "
            "price lists from the S: drive for tomorrow morning."
        ),
        "status": "closed",
        "owner": "Alice Moreau",
        "group": "service-desk",
        "level": 1,
        "problem": None,
        "kb": ["kb-vpn-cannot-connect"],
        "events": [
            {"at": "2026-10-07T18:32:00Z", "actor": "Alice Moreau", "kind": "assign", "text": "Late shift, took the call."},
            {"at": "2026-10-07T18:40:00Z", "actor": "Alice Moreau", "kind": "call", "text": "Opened http://neverssl.com on the laptop: hotel login page appeared (room number + surname). After accepting, GlobalProtect connected via SSL fallback."},
            {"at": "2026-10-07T18:45:00Z", "actor": "Alice Moreau", "kind": "resolve", "text": "Hotel captive portal had not been accepted on the laptop. Connected, S: drive reachable."},
            {"at": "2026-10-07T18:46:00Z", "actor": "Alice Moreau", "kind": "notify", "text": "Sent the KB article on GlobalProtect connection problems for future trips."},
            {"at": "2026-10-08T06:10:00Z", "actor": "marco.rossi@example.org", "kind": "confirm", "text": "Got everything, thanks for the quick help."},
            {"at": "2026-10-09T07:05:00Z", "actor": "Alice Moreau", "kind": "close", "text": "Closed."},
        ],
        "resolution": {"kind": "fix", "summary": "Hotel captive portal accepted via http://neverssl.com; GlobalProtect then connected."},
        "major": False,
    },
    {
        "key": "t15",
        "title": "Scanners offline in half the warehouse, picking stopped",
        "type": "incident",
        "category": "network/wifi",
        "impact": "high",
        "urgency": "high",
        "reporter": "yusuf.demir@example.org",
        "channel": "phone",
        "created": "2026-10-09T03:50:00Z",
        "description": (
            "Early shift lead DC1: since 5:30 most scanners in aisles 12-20 show 'No network' and "
            "don't come back. Turning them off and on doesn't help. 25 pickers standing, trucks "
            "leave at 8."
        ),
        "status": "closed",
        "owner": "Carla Diaz",
        "group": "network",
        "level": 2,
        "problem": "prb-warehouse-wifi",
        "kb": ["kb-wifi-corporate-guest"],
        "events": [
            {"at": "2026-10-09T03:53:00Z", "actor": "Ben Okoro", "kind": "assign", "text": "Early shift call, P1."},
            {"at": "2026-10-09T03:55:00Z", "actor": "Ben Okoro", "kind": "escalate", "text": "Called Carla (network on-call)."},
            {"at": "2026-10-09T04:10:00Z", "actor": "Carla Diaz", "kind": "note", "text": "DC1-AP-15 and DC1-AP-16 rebooting in a loop since 03:25 (PoE budget on DC1-SW-03 exceeded after new label printer was connected). Scanners crowd onto AP-14/17 and get rejected."},
            {"at": "2026-10-09T04:25:00Z", "actor": "Carla Diaz", "kind": "note", "text": "Moved label printer to external PSU, disabled PoE on its port. APs up at 04:22, 58 scanners associated."},
            {"at": "2026-10-09T04:30:00Z", "actor": "Carla Diaz", "kind": "call", "text": "Yusuf confirms picking running again."},
            {"at": "2026-10-09T04:35:00Z", "actor": "Carla Diaz", "kind": "resolve", "text": "APs stable. Roaming drops (known warehouse Wi-Fi problem) still occur at the known low rate."},
            {"at": "2026-10-09T04:36:00Z", "actor": "Carla Diaz", "kind": "notify", "text": "Daniel Schmidt and Yusuf informed by email."},
            {"at": "2026-10-10T05:00:00Z", "actor": "yusuf.demir@example.org", "kind": "confirm", "text": "Fine since yesterday."},
            {"at": "2026-10-12T07:00:00Z", "actor": "Carla Diaz", "kind": "close", "text": "Closed. PoE budget review added to problem notes."},
        ],
        "resolution": {"kind": "workaround", "summary": "Two APs boot-looped because PoE budget on DC1-SW-03 was exceeded; label printer moved to its own PSU. Remaining roaming drops tracked in the warehouse Wi-Fi problem."},
        "major": False,
    },
    {
        "key": "t16",
        "title": "Outlook search doesn't find anything",
        "type": "incident",
        "category": "email/mailbox",
        "impact": "medium",
        "urgency": "medium",
        "reporter": "julia.weber@example.org",
        "channel": "web",
        "created": "2026-10-14T12:05:00Z",
        "description": (
            "When I search in Outlook it says 'We couldn't find what you're looking for' even for "
            "an email I received yesterday. I need to find old applicant emails for a hiring "
            "decision. Search on the web version works."
        ),
        "status": "closed",
        "owner": "George Novak",
        "group": "messaging",
        "level": 2,
        "problem": "prb-outlook-search",
        "kb": [],
        "events": [
            {"at": "2026-10-14T12:20:00Z", "actor": "Alice Moreau", "kind": "assign", "text": "Service desk picked up."},
            {"at": "2026-10-14T12:40:00Z", "actor": "Alice Moreau", "kind": "chat", "text": "Rebuilt the index via Indexing Options > Advanced > Rebuild with the user. Still no results after 20 minutes. Third similar report since the Office update."},
            {"at": "2026-10-14T12:42:00Z", "actor": "Alice Moreau", "kind": "escalate", "text": "Escalated to messaging."},
            {"at": "2026-10-15T09:30:00Z", "actor": "George Novak", "kind": "note", "text": "Outlook version 2610 on all three reports. Opened a problem for Outlook search. Workaround: PreventIndexingOutlook=1 so Outlook uses server-side search. Deployed the Intune profile to her device."},
            {"at": "2026-10-15T10:00:00Z", "actor": "George Novak", "kind": "resolve", "text": "After Outlook restart search finds all mails (status bar shows 'Searching on server')."},
            {"at": "2026-10-15T10:01:00Z", "actor": "George Novak", "kind": "notify", "text": "User informed."},
            {"at": "2026-10-16T07:45:00Z", "actor": "julia.weber@example.org", "kind": "confirm", "text": "Search works again, thanks."},
            {"at": "2026-10-19T07:00:00Z", "actor": "George Novak", "kind": "close", "text": "Closed."},
        ],
        "resolution": {"kind": "workaround", "summary": "Outlook switched to server-side search via Intune profile (PreventIndexingOutlook=1); see the Outlook search problem."},
        "major": False,
    },
    {
        "key": "t17",
        "title": "Lost my phone, can't approve sign-in",
        "type": "incident",
        "category": "access/mfa",
        "impact": "medium",
        "urgency": "high",
        "reporter": "kevin.murphy@example.org",
        "channel": "phone",
        "created": "2026-10-16T05:15:00Z",
        "description": (
            "I lost my phone on the train last night. Now Teams and Outlook want me to approve the "
            "sign-in on the Authenticator app and I can't. I'm on dispatch planning today, I need "
            "access to the route planner."
        ),
        "status": "closed",
        "owner": "Fatima Rahman",
        "group": "identity",
        "level": 2,
        "problem": None,
        "kb": ["kb-mfa-reenrol"],
        "events": [
            {"at": "2026-10-16T05:17:00Z", "actor": "Ben Okoro", "kind": "assign", "text": "Taken by service desk."},
            {"at": "2026-10-16T05:20:00Z", "actor": "Ben Okoro", "kind": "note", "text": "Personal phone lost (not company device). Cannot call back on the mobile number, so identity check needs the manager."},
            {"at": "2026-10-16T05:21:00Z", "actor": "Ben Okoro", "kind": "escalate", "text": "Escalated to identity for TAP."},
            {"at": "2026-10-16T06:05:00Z", "actor": "Fatima Rahman", "kind": "call", "text": "Teams video with Kevin and his manager Lucas Silva to verify. Removed old Authenticator and phone methods, issued TAP (one-time, 8 h)."},
            {"at": "2026-10-16T06:20:00Z", "actor": "Fatima Rahman", "kind": "note", "text": "Kevin signed in with TAP on his laptop. New phone arrives tomorrow; registered a temporary OATH hardware token from stock (serial 8812-0457)."},
            {"at": "2026-10-17T09:10:00Z", "actor": "Fatima Rahman", "kind": "note", "text": "Kevin registered Authenticator on the new phone at mysignins.microsoft.com. Hardware token returned and unassigned."},
            {"at": "2026-10-17T09:15:00Z", "actor": "Fatima Rahman", "kind": "resolve", "text": "MFA re-registered on new phone."},
            {"at": "2026-10-17T09:16:00Z", "actor": "Fatima Rahman", "kind": "notify", "text": "User informed."},
            {"at": "2026-10-17T11:00:00Z", "actor": "kevin.murphy@example.org", "kind": "confirm", "text": "All working on the new phone."},
            {"at": "2026-10-19T07:00:00Z", "actor": "Fatima Rahman", "kind": "close", "text": "Closed."},
        ],
        "resolution": {"kind": "fix", "summary": "Identity verified with manager, old methods removed, TAP and temporary hardware token issued, Authenticator registered on new phone."},
        "major": False,
    },
    {
        "key": "t18",
        "title": "Access to the dispatch@ mailbox for new planner",
        "type": "request",
        "category": "email/mailbox",
        "impact": "low",
        "urgency": "medium",
        "reporter": "anna.berg@example.org",
        "channel": "web",
        "created": "2026-10-19T08:00:00Z",
        "description": (
            "Please give Kevin Murphy access to the dispatch@example.org mailbox, read and send. He "
            "takes over the afternoon planning shift from next week. I'm the owner of the mailbox."
        ),
        "status": "closed",
        "owner": "George Novak",
        "group": "messaging",
        "level": 2,
        "problem": None,
        "kb": ["kb-shared-mailbox-delegation"],
        "events": [
            {"at": "2026-10-19T08:30:00Z", "actor": "Alice Moreau", "kind": "assign", "text": "Owner approval is in the request itself (Anna is listed owner of dispatch@)."},
            {"at": "2026-10-19T08:31:00Z", "actor": "Alice Moreau", "kind": "escalate", "text": "Escalated to messaging."},
            {"at": "2026-10-19T10:15:00Z", "actor": "George Novak", "kind": "note", "text": "Add-MailboxPermission dispatch@example.org -User kevin.murphy@example.org -AccessRights FullAccess -AutoMapping $true; Add-RecipientPermission ... -AccessRights SendAs. Verified with Get-MailboxPermission."},
            {"at": "2026-10-19T11:40:00Z", "actor": "George Novak", "kind": "resolve", "text": "Mailbox appeared in Kevin's Outlook; test mail sent as dispatch@."},
            {"at": "2026-10-19T11:41:00Z", "actor": "George Novak", "kind": "notify", "text": "Anna and Kevin informed."},
            {"at": "2026-10-20T06:30:00Z", "actor": "anna.berg@example.org", "kind": "confirm", "text": "Confirmed, thanks."},
            {"at": "2026-10-21T07:00:00Z", "actor": "George Novak", "kind": "close", "text": "Closed."},
        ],
        "resolution": {"kind": "fix", "summary": "FullAccess with automapping and SendAs granted on dispatch@example.org."},
        "major": False,
    },
    {
        "key": "t19",
        "title": "New starter: warehouse coordinator DC1, starts 30 November",
        "type": "request",
        "category": "onboarding/new-starter",
        "impact": "medium",
        "urgency": "medium",
        "reporter": "nadia.haddad@example.org",
        "channel": "email",
        "created": "2026-10-21T11:25:00Z",
        "description": (
            "Hi IT,\n\nplease prepare accounts and equipment for our new warehouse coordinator:\n"
            "Name: Pieter van Dijk\nJob title: Warehouse Coordinator, DC1\nManager: Daniel Schmidt\n"
            "Start date: Monday 30 November 2026\nEquipment: laptop, Teams headset, badge\n"
            "Systems: SAP Business One (inventory), WMS\n\nThanks, Nadia (HR)"
        ),
        "status": "pending",
        "owner": "Alice Moreau",
        "group": "service-desk",
        "level": 1,
        "problem": None,
        "kb": ["kb-new-starter-checklist"],
        "events": [
            {"at": "2026-10-21T12:00:00Z", "actor": "Alice Moreau", "kind": "assign", "text": "Onboarding owned by service desk, following the new starter checklist."},
            {"at": "2026-10-22T09:30:00Z", "actor": "Alice Moreau", "kind": "note", "text": "AD account pieter.vandijk created from template 'tpl-dc1-office' (disabled), LIC-M365-E3, DC1 groups. Request for SAP B1 access sent to applications with Daniel's approval."},
            {"at": "2026-10-27T13:00:00Z", "actor": "Alice Moreau", "kind": "note", "text": "Laptop NWL-LT-0388 assigned in Intune (Autopilot NWL-Standard), pre-provisioned. Badge ordered. Hana confirmed SAP user PVDIJK with Limited Logistics licence."},
            {"at": "2026-10-27T13:05:00Z", "actor": "Alice Moreau", "kind": "pend", "text": "Everything prepared. Waiting for the start date (30 Nov): enable account and TAP on 27 Nov, handover on day one."},
        ],
        "resolution": None,
        "major": False,
    },
    {
        "key": "t20",
        "title": "Both monitors flicker on the docking station",
        "type": "incident",
        "category": "hardware/monitor",
        "impact": "low",
        "urgency": "low",
        "reporter": "katarina.horvat@example.org",
        "channel": "walk-in",
        "created": "2026-10-23T09:10:00Z",
        "description": (
            "My two screens go black for a second every few minutes, sometimes the windows jump to "
            "the laptop screen. It started after I moved to the desk by the window. Very annoying "
            "but I can work."
        ),
        "status": "resolved",
        "owner": "Dev Patel",
        "group": "desktop-support",
        "level": 2,
        "problem": None,
        "kb": [],
        "events": [
            {"at": "2026-10-23T09:15:00Z", "actor": "Ben Okoro", "kind": "assign", "text": "Walk-in logged."},
            {"at": "2026-10-23T09:16:00Z", "actor": "Ben Okoro", "kind": "escalate", "text": "Hardware check needed at desk HQ-2F-D14, passed to desktop-support."},
            {"at": "2026-10-23T13:30:00Z", "actor": "Dev Patel", "kind": "note", "text": "Dell WD19S dock firmware 01.00.20, current is 01.00.36. Updated with Dell Command | Update. Flicker continued on one screen; DisplayPort cable damaged at the connector. Replaced cable."},
            {"at": "2026-10-26T08:00:00Z", "actor": "Dev Patel", "kind": "chat", "text": "Asked Katarina how it goes: one short flicker on Friday afternoon. Swapped the dock for a new WD19S from stock to rule it out."},
            {"at": "2026-10-27T08:30:00Z", "actor": "Dev Patel", "kind": "resolve", "text": "Dock firmware updated, damaged DP cable and dock replaced; no flicker reported since."},
            {"at": "2026-10-27T08:31:00Z", "actor": "Dev Patel", "kind": "notify", "text": "Asked the user to confirm or reopen if it comes back."},
        ],
        "resolution": {"kind": "fix", "summary": "Dock firmware updated to 01.00.36, damaged DisplayPort cable replaced, dock swapped for a new unit."},
        "major": False,
    },
    {
        "key": "t21",
        "title": "Intranet says 'This site can't be reached'",
        "type": "incident",
        "category": "network/dns",
        "impact": "medium",
        "urgency": "medium",
        "reporter": "hassan.ali@example.org",
        "channel": "chat",
        "created": "2026-10-28T08:30:00Z",
        "description": (
            "intranet.example.org doesn't open anymore, Edge shows 'This site can't be reached - "
            "DNS_PROBE_FINISHED_NXDOMAIN'. My colleague next to me can open it. I need the returns "
            "procedure that's on there."
        ),
        "status": "resolved",
        "owner": "Carla Diaz",
        "group": "network",
        "level": 2,
        "problem": None,
        "kb": [],
        "events": [
            {"at": "2026-10-28T08:33:00Z", "actor": "Alice Moreau", "kind": "assign", "text": "Picked up from chat."},
            {"at": "2026-10-28T08:45:00Z", "actor": "Alice Moreau", "kind": "chat", "text": "ipconfig /flushdns did not help. nslookup intranet.example.org on his laptop: NXDOMAIN from 192.168.50.1 (his laptop was on the NWL-Guest DNS). On colleague's: 10.10.1.10 answers CNAME to SharePoint."},
            {"at": "2026-10-28T08:47:00Z", "actor": "Alice Moreau", "kind": "escalate", "text": "Escalated to network: why guest DNS on a company laptop at HQ?"},
            {"at": "2026-10-28T10:20:00Z", "actor": "Carla Diaz", "kind": "note", "text": "Laptop auto-joined NWL-Guest in meeting room 3 where NWL-Corp signal is weak, then stayed on it. Guest DNS does not serve internal names by design. Deleted guest profile (netsh wlan delete profile name=\"NWL-Guest\"), laptop back on NWL-Corp."},
            {"at": "2026-10-28T10:25:00Z", "actor": "Carla Diaz", "kind": "note", "text": "Requested extra AP for meeting room 3 (site survey showed -74 dBm for NWL-Corp)."},
            {"at": "2026-10-28T10:30:00Z", "actor": "Carla Diaz", "kind": "resolve", "text": "Intranet loads; laptop no longer joins NWL-Guest."},
            {"at": "2026-10-28T10:31:00Z", "actor": "Carla Diaz", "kind": "notify", "text": "User informed in chat."},
        ],
        "resolution": {"kind": "fix", "summary": "Laptop was on NWL-Guest (no internal DNS); guest Wi-Fi profile removed, laptop back on NWL-Corp. AP for meeting room 3 requested."},
        "major": False,
    },
    {
        "key": "t22",
        "title": "SAP freezes and throws us out during month-end",
        "type": "incident",
        "category": "apps/erp",
        "impact": "high",
        "urgency": "medium",
        "reporter": "paul.martin@example.org",
        "channel": "email",
        "created": "2026-10-30T14:40:00Z",
        "description": (
            "Hi,\n\nsince this morning SAP hangs for a minute or two and then we get 'Connection to "
            "the server has been lost'. Everyone in finance has it, we lose what we were typing in "
            "journal entries. This is month-end closing, we can't afford this.\n\nPaul Martin, "
            "Finance"
        ),
        "status": "in_progress",
        "owner": "Hana Sato",
        "group": "applications",
        "level": 2,
        "problem": "prb-erp-timeout",
        "kb": [],
        "events": [
            {"at": "2026-10-30T14:45:00Z", "actor": "Alice Moreau", "kind": "assign", "text": "Service desk picked up."},
            {"at": "2026-10-30T14:50:00Z", "actor": "Alice Moreau", "kind": "escalate", "text": "Multiple finance users, escalated to applications."},
            {"at": "2026-10-30T15:30:00Z", "actor": "Hana Sato", "kind": "note", "text": "ERP-SQL01 CPU 95 %, long blocking chains on OJDT/JDT1 during the freezes. The stock valuation report running in the warehouse at the same time holds locks. Asked warehouse to postpone the report until 18:00."},
            {"at": "2026-10-30T16:10:00Z", "actor": "Hana Sato", "kind": "call", "text": "Paul confirms finance can work again after the report was stopped."},
            {"at": "2026-11-02T09:00:00Z", "actor": "Hana Sato", "kind": "note", "text": "Freezes again this morning (Monday order peak) without the report. Not just one report. Captured Extended Events trace and sent to our SAP partner."},
            {"at": "2026-11-03T14:25:00Z", "actor": "Hana Sato", "kind": "note", "text": "Opened a problem for the SAP session freezes. Keeping this ticket open to collect finance impact through November closing."},
        ],
        "resolution": None,
        "major": False,
    },
    # ----------------------------------------------------------------- November
    {
        "key": "t23",
        "title": "VPN disconnects since we got fibre at home",
        "type": "incident",
        "category": "network/vpn",
        "impact": "medium",
        "urgency": "medium",
        "reporter": "oliver.grant@example.org",
        "channel": "email",
        "created": "2026-11-02T08:10:00Z",
        "description": (
            "Hello,\n\nmy VPN keeps dropping since our fibre was installed last Friday. It reconnects "
            "by itself after a minute, but Dynamics loses my quote every time. Office is fine.\n\n"
            "Oliver Grant, Sales"
        ),
        "status": "resolved",
        "owner": "Carla Diaz",
        "group": "network",
        "level": 2,
        "problem": "prb-vpn-mtu",
        "kb": ["kb-vpn-disconnects"],
        "events": [
            {"at": "2026-11-02T08:25:00Z", "actor": "Ben Okoro", "kind": "assign", "text": "Looks like the known VPN MTU error."},
            {"at": "2026-11-02T08:40:00Z", "actor": "Ben Okoro", "kind": "call", "text": "MTU test: 1472 fails, 1464 works (PPPoE). Logs collected."},
            {"at": "2026-11-02T08:41:00Z", "actor": "Ben Okoro", "kind": "escalate", "text": "Escalated to network for GP-SSL-Only."},
            {"at": "2026-11-02T10:00:00Z", "actor": "Carla Diaz", "kind": "note", "text": "Added to GP-SSL-Only. Gateway MTU change still waiting for a change window."},
            {"at": "2026-11-04T08:00:00Z", "actor": "Carla Diaz", "kind": "resolve", "text": "Stable for two days over SSL."},
            {"at": "2026-11-04T08:01:00Z", "actor": "Carla Diaz", "kind": "notify", "text": "User informed; asked to confirm."},
        ],
        "resolution": {"kind": "workaround", "summary": "User added to GP-SSL-Only (known VPN MTU error), tunnel stable over SSL."},
        "major": False,
    },
    {
        "key": "t24",
        "title": "Leaver: Mark Thompson, last day 20 November",
        "needed_by": "2026-11-20T18:00:00Z",  # the end of his last working day, 19:00 Berlin
        "type": "request",
        "category": "onboarding/leaver",
        "impact": "medium",
        "urgency": "low",
        "reporter": "ruth.adler@example.org",
        "channel": "web",
        "created": "2026-11-03T13:00:00Z",
        "description": (
            "Mark Thompson (driver, DC1) leaves us; his last working day is Friday 20 November. "
            "Please remove access on that day. His manager Lucas Silva would like access to his "
            "mailbox for a month. Phone and tablet will be handed in at the depot."
        ),
        "status": "resolved",
        "owner": "Alice Moreau",
        "group": "service-desk",
        "level": 1,
        "problem": None,
        "kb": ["kb-leaver-offboarding"],
        "events": [
            {"at": "2026-11-03T13:20:00Z", "actor": "Alice Moreau", "kind": "assign", "text": "Following the leaver checklist; scheduled for 20 Nov 17:00."},
            {"at": "2026-11-03T13:30:00Z", "actor": "Alice Moreau", "kind": "note", "text": "Group memberships recorded: LIC-M365-F3, DC1-Drivers, DL-DC1-All, APP-Routeplanner-Users."},
            {"at": "2026-11-20T16:05:00Z", "actor": "Alice Moreau", "kind": "note", "text": "17:00 local: account disabled, password randomised, moved to OU=Disabled, sessions revoked. Mailbox converted to shared, FullAccess for Lucas Silva, auto-reply set. Licence group removed."},
            {"at": "2026-11-20T16:20:00Z", "actor": "Alice Moreau", "kind": "note", "text": "Company phone (IMEI ...2231) and driver tablet DC1-TAB-019 handed in at depot; retired in Intune. Routeplanner user deactivated by Hana."},
            {"at": "2026-11-20T16:25:00Z", "actor": "Alice Moreau", "kind": "resolve", "text": "Offboarding completed. Reminders set for 20 Dec (remove mailbox access) and 18 Feb (delete account)."},
            {"at": "2026-11-20T16:26:00Z", "actor": "Alice Moreau", "kind": "notify", "text": "HR and manager informed."},
        ],
        "resolution": {"kind": "fix", "summary": "Account disabled, mailbox converted to shared for the manager, licence removed, devices retired and collected."},
        "major": False,
    },
    {
        "key": "t25",
        "title": "ERP-SQL01: free disk space is less than 5% on volume L:",
        "type": "incident",
        "category": "infra/server",
        "impact": "high",
        "urgency": "high",
        "reporter": "zabbix@monitoring.example.org",
        "channel": "monitoring",
        "created": "2026-11-04T04:58:00Z",
        "description": (
            "PROBLEM: Free disk space is less than 5% on volume L: (SQL logs)\n"
            "Host: erp-sql01.corp.example.org\nSeverity: Disaster\nCurrent value: 0.4 % (410 MB free of 100 GB)\n"
            "Started: 2026-11-04 04:57:12 UTC"
        ),
        "status": "closed",
        "owner": "Erik Holm",
        "group": "infrastructure",
        "level": 3,
        "problem": None,
        "kb": [],
        "events": [
            {"at": "2026-11-04T05:02:00Z", "actor": "Ben Okoro", "kind": "assign", "text": "Disaster alert on ERP database server, paging infrastructure."},
            {"at": "2026-11-04T05:03:00Z", "actor": "Ben Okoro", "kind": "escalate", "text": "Escalated to infrastructure (Erik on call)."},
            {"at": "2026-11-04T05:20:00Z", "actor": "Erik Holm", "kind": "note", "text": "Same cause as the major incident reported by DC1 (SAP down): NWL_PROD transaction log filled L:. Worked under the major incident."},
            {"at": "2026-11-04T06:50:00Z", "actor": "Erik Holm", "kind": "resolve", "text": "L: at 62 % free after log backup and shrink; alert cleared."},
            {"at": "2026-11-04T06:51:00Z", "actor": "Erik Holm", "kind": "notify", "text": "Noted in major incident update."},
            {"at": "2026-11-05T07:00:00Z", "actor": "Erik Holm", "kind": "confirm", "text": "Log volume stable at 60 % free for 24 h, log backups every 15 min succeeding."},
            {"at": "2026-11-05T07:01:00Z", "actor": "Erik Holm", "kind": "close", "text": "Closed."},
        ],
        "resolution": {"kind": "fix", "summary": "Transaction log of NWL_PROD backed up and shrunk, log backup job repaired; handled under the SAP major incident of 4 Nov."},
        "major": False,
    },
    {
        "key": "t26",
        "title": "Warehouse scanners can't book goods receipts, SAP down",
        "type": "incident",
        "category": "apps/erp",
        "impact": "high",
        "urgency": "high",
        "reporter": "daniel.schmidt@example.org",
        "channel": "phone",
        "created": "2026-11-04T05:12:00Z",
        "description": (
            "Daniel Schmidt (DC1 manager) called: since about 6:00 no scanner can book goods "
            "receipts or picks, the WMS shows 'ERP posting failed - SQL error 9002'. SAP Business One "
            "on the office PCs also hangs. 14 inbound trucks waiting at the docks and the first "
            "outbound wave leaves at 8:00."
        ),
        "status": "closed",
        "owner": "Erik Holm",
        "group": "infrastructure",
        "level": 3,
        "problem": None,
        "kb": [],
        "events": [
            {"at": "2026-11-04T05:14:00Z", "actor": "Ben Okoro", "kind": "assign", "text": "Logged from call. Related Zabbix disaster alert on ERP-SQL01 (log volume L: full)."},
            {"at": "2026-11-04T05:16:00Z", "actor": "Ben Okoro", "kind": "escalate", "text": "Escalated to infrastructure, Erik already on it via the Zabbix alert."},
            {"at": "2026-11-04T05:25:00Z", "actor": "Erik Holm", "kind": "escalate", "text": "Major incident declared. Escalated to infrastructure manager Sven Lindqvist as major incident manager; bridge call opened in Teams. Warehouse and finance leads invited."},
            {"at": "2026-11-04T05:40:00Z", "actor": "Erik Holm", "kind": "note", "text": "SQL error 9002: transaction log for NWL_PROD is full. Log backup job has failed since 31 Oct (backup share credentials expired after password rotation), so the log could not truncate."},
            {"at": "2026-11-04T06:05:00Z", "actor": "Erik Holm", "kind": "note", "text": "Added temporary 50 GB disk as second log file location, database accepting writes again at 06:03. Scanners posting; backlog of 1,240 queued WMS transactions processing."},
            {"at": "2026-11-04T06:30:00Z", "actor": "Erik Holm", "kind": "note", "text": "Fixed credentials of the SQL backup service account, ran full log backup (38 GB), shrank log to 20 GB, removed temporary log file."},
            {"at": "2026-11-04T06:45:00Z", "actor": "Hana Sato", "kind": "note", "text": "Checked SAP B1: no failed postings left in the WMS interface queue, goods receipts for trucks 1-9 complete."},
            {"at": "2026-11-04T06:50:00Z", "actor": "Erik Holm", "kind": "resolve", "text": "Service restored at 06:03, cause removed at 06:30. Outage 05:00-06:03 UTC. Post-incident review scheduled for 6 Nov."},
            {"at": "2026-11-04T06:55:00Z", "actor": "Erik Holm", "kind": "notify", "text": "Major incident closure message sent to management, DC1 and finance distribution lists."},
            {"at": "2026-11-04T09:30:00Z", "actor": "daniel.schmidt@example.org", "kind": "confirm", "text": "All trucks unloaded, outbound left 25 minutes late. Thanks for the fast response."},
            {"at": "2026-11-06T14:00:00Z", "actor": "Erik Holm", "kind": "close", "text": "Closed after post-incident review. Actions: alert on failed SQL log backups (Zabbix), service account moved to gMSA, log volume warning at 20 %."},
        ],
        "resolution": {"kind": "fix", "summary": "NWL_PROD transaction log full because log backups failed after a service account password change; credentials fixed, log backed up and shrunk, monitoring for failed log backups added."},
        "major": True,
    },
    {
        "key": "t27",
        "title": "Moved to 1st floor, can't find the printer",
        "type": "request",
        "category": "hardware/printer",
        "impact": "low",
        "urgency": "medium",
        "reporter": "emma.larsen@example.org",
        "channel": "chat",
        "created": "2026-11-05T07:30:00Z",
        "description": (
            "Hi, I moved to the 1st floor with the sales team and my laptop only shows the 2nd floor "
            "printer. How do I add the one here? The sticker says HQ-1F-MFP02."
        ),
        "status": "resolved",
        "owner": "Ben Okoro",
        "group": "service-desk",
        "level": 1,
        "problem": None,
        "kb": ["kb-map-network-printer"],
        "events": [
            {"at": "2026-11-05T07:33:00Z", "actor": "Ben Okoro", "kind": "assign", "text": "Picked up from chat."},
            {"at": "2026-11-05T07:40:00Z", "actor": "Ben Okoro", "kind": "chat", "text": "Walked Emma through Add device > Add manually > `\\\\prn01.corp.example.org\\HQ-1F-MFP02`. Driver installed, set as default."},
            {"at": "2026-11-05T07:48:00Z", "actor": "Ben Okoro", "kind": "resolve", "text": "Test page released with badge at HQ-1F-MFP02."},
            {"at": "2026-11-05T07:49:00Z", "actor": "Ben Okoro", "kind": "notify", "text": "Sent the KB article on adding a network printer."},
        ],
        "resolution": {"kind": "fix", "summary": "Printer HQ-1F-MFP02 added from PRN01 and set as default; test page printed."},
        "major": False,
    },
    {
        "key": "t28",
        "title": "Teams says no camera found",
        "type": "incident",
        "category": "collaboration/teams",
        "impact": "low",
        "urgency": "medium",
        "reporter": "priya.sharma@example.org",
        "channel": "chat",
        "created": "2026-11-06T08:45:00Z",
        "description": (
            "My camera doesn't work in Teams anymore, it says 'We can't find a camera'. In the "
            "Camera app I just see a black screen with a crossed-out camera. I have a customer video "
            "call at 2pm."
        ),
        "status": "resolved",
        "owner": "George Novak",
        "group": "messaging",
        "level": 2,
        "problem": None,
        "kb": [],
        "events": [
            {"at": "2026-11-06T08:50:00Z", "actor": "Alice Moreau", "kind": "assign", "text": "Picked up from chat."},
            {"at": "2026-11-06T09:00:00Z", "actor": "Alice Moreau", "kind": "chat", "text": "Privacy shutter on the lid is open. Settings > Privacy & security > Camera: access is on. Device Manager shows 'Integrated Webcam' with a yellow mark."},
            {"at": "2026-11-06T09:02:00Z", "actor": "Alice Moreau", "kind": "escalate", "text": "Escalated to messaging (Teams devices)."},
            {"at": "2026-11-06T10:15:00Z", "actor": "George Novak", "kind": "note", "text": "Driver error Code 45 after last night's Windows update. Uninstalled the device, scanned for hardware changes, Dell Command | Update installed camera driver 1.0.3.4. Camera works in Camera app and Teams."},
            {"at": "2026-11-06T10:20:00Z", "actor": "George Novak", "kind": "resolve", "text": "Camera driver reinstalled, tested in a Teams test call."},
            {"at": "2026-11-06T10:21:00Z", "actor": "George Novak", "kind": "notify", "text": "User informed in chat."},
        ],
        "resolution": {"kind": "fix", "summary": "Webcam driver broken after Windows update (Code 45); device removed and driver reinstalled via Dell Command | Update."},
        "major": False,
    },
    {
        "key": "t29",
        "title": "Outlook search broken after update",
        "type": "incident",
        "category": "email/mailbox",
        "impact": "high",
        "urgency": "medium",
        "reporter": "robert.hughes@example.org",
        "channel": "phone",
        "created": "2026-11-09T07:20:00Z",
        "description": (
            "Robert Hughes (COO) called: Outlook search only finds emails from the last two days. "
            "He needs to find contract correspondence with a carrier for a meeting at 11. His "
            "assistant has the same problem."
        ),
        "status": "resolved",
        "owner": "George Novak",
        "group": "messaging",
        "level": 2,
        "problem": "prb-outlook-search",
        "kb": [],
        "events": [
            {"at": "2026-11-09T07:22:00Z", "actor": "Alice Moreau", "kind": "assign", "text": "Matches the known Outlook search error."},
            {"at": "2026-11-09T07:24:00Z", "actor": "Alice Moreau", "kind": "escalate", "text": "Escalated to messaging to apply the Intune workaround profile."},
            {"at": "2026-11-09T07:50:00Z", "actor": "George Novak", "kind": "note", "text": "Added both devices (NWL-LT-0102, NWL-LT-0145) to group INT-Outlook-ServerSearch; forced sync."},
            {"at": "2026-11-09T08:10:00Z", "actor": "George Novak", "kind": "call", "text": "Outlook restarted with Robert; search finds the carrier contract mails from 2024."},
            {"at": "2026-11-09T08:12:00Z", "actor": "George Novak", "kind": "resolve", "text": "Workaround applied on both devices."},
            {"at": "2026-11-09T08:13:00Z", "actor": "George Novak", "kind": "notify", "text": "Robert and his assistant informed."},
        ],
        "resolution": {"kind": "workaround", "summary": "Intune profile PreventIndexingOutlook=1 applied; Outlook uses server-side search (known Outlook search error)."},
        "major": False,
    },
    {
        "key": "t30",
        "title": "Scanners keep losing signal in aisle 17 again",
        "type": "incident",
        "category": "network/wifi",
        "impact": "high",
        "urgency": "medium",
        "reporter": "jamal.wright@example.org",
        "channel": "phone",
        "created": "2026-11-10T04:45:00Z",
        "description": (
            "The scanners drop out again in aisles 16-18, pickers have to toggle Wi-Fi several times "
            "per wave. Scanner IDs we noticed: DC1-SC-012, DC1-SC-033, DC1-SC-047. Started after the "
            "weekend."
        ),
        "status": "pending",
        "owner": "Carla Diaz",
        "group": "network",
        "level": 2,
        "problem": "prb-warehouse-wifi",
        "kb": ["kb-wifi-corporate-guest"],
        "events": [
            {"at": "2026-11-10T04:48:00Z", "actor": "Ben Okoro", "kind": "assign", "text": "Known warehouse Wi-Fi error, logged scanner IDs."},
            {"at": "2026-11-10T04:50:00Z", "actor": "Ben Okoro", "kind": "escalate", "text": "Escalated to network."},
            {"at": "2026-11-10T07:30:00Z", "actor": "Carla Diaz", "kind": "note", "text": "The three scanners were re-imaged on Saturday with StageNow profile v2 (5 GHz pinning missing). Reapplied DC1-Scan-v3; drops down for those devices."},
            {"at": "2026-11-12T09:00:00Z", "actor": "Carla Diaz", "kind": "note", "text": "Still ~10 drops per shift in aisle 17 on other scanners. Vendor TAC says fixed firmware is planned for end of November; uploaded new client traces to case 5318842."},
            {"at": "2026-11-12T09:05:00Z", "actor": "Carla Diaz", "kind": "pend", "text": "Waiting for vendor firmware release (TAC case 5318842); will schedule upgrade of DC1 APs in a night window once available."},
        ],
        "resolution": None,
        "major": False,
    },
    {
        "key": "t31",
        "title": "Suspicious email about unpaid invoice",
        "type": "incident",
        "category": "email/spam",
        "impact": "medium",
        "urgency": "medium",
        "reporter": "peter.johansson@example.org",
        "channel": "email",
        "created": "2026-11-11T09:15:00Z",
        "description": (
            "Hi IT,\n\nI got an email from 'accounts@northwind-logistlcs.com' saying an invoice is "
            "overdue with a link to a 'secure document'. The sender address looks wrong (lcs instead "
            "of ics). I did not click. Two colleagues got the same one.\n\nPeter Johansson\nAccounts Payable"
        ),
        "status": "resolved",
        "owner": "George Novak",
        "group": "messaging",
        "level": 2,
        "problem": None,
        "kb": [],
        "events": [
            {"at": "2026-11-11T09:20:00Z", "actor": "Alice Moreau", "kind": "assign", "text": "Phishing report."},
            {"at": "2026-11-11T09:21:00Z", "actor": "Alice Moreau", "kind": "escalate", "text": "Escalated to messaging for purge and block."},
            {"at": "2026-11-11T09:50:00Z", "actor": "George Novak", "kind": "note", "text": "Threat Explorer: 23 recipients, lookalike domain registered 2 days ago, link to a fake Microsoft sign-in page. Soft-deleted all 23 copies, added domain and URL to Tenant Allow/Block List."},
            {"at": "2026-11-11T10:05:00Z", "actor": "George Novak", "kind": "note", "text": "URL click trace: 1 click by a warehouse user, no credentials entered according to the user. Password reset and sessions revoked as a precaution by Fatima."},
            {"at": "2026-11-11T10:30:00Z", "actor": "George Novak", "kind": "resolve", "text": "Messages purged, sender domain and URL blocked, clicker's account secured."},
            {"at": "2026-11-11T10:31:00Z", "actor": "George Novak", "kind": "notify", "text": "Thanked Peter; warning posted on the intranet."},
        ],
        "resolution": {"kind": "fix", "summary": "Phishing campaign (23 recipients) purged, lookalike domain and URL blocked, one user who clicked had password reset and sessions revoked."},
        "major": False,
    },
    {
        "key": "t32",
        "title": "Laptop screen cracked",
        "type": "incident",
        "category": "hardware/laptop",
        "impact": "medium",
        "urgency": "medium",
        "reporter": "lucas.silva@example.org",
        "channel": "walk-in",
        "created": "2026-11-12T07:00:00Z",
        "description": (
            "My laptop fell off the dispatch desk and the screen has a crack across the left half, "
            "with coloured lines. It still works with the external monitor."
        ),
        "status": "pending",
        "owner": "Dev Patel",
        "group": "desktop-support",
        "level": 2,
        "problem": None,
        "kb": [],
        "events": [
            {"at": "2026-11-12T07:05:00Z", "actor": "Ben Okoro", "kind": "assign", "text": "Walk-in, NWL-LT-0254 (Latitude 5440)."},
            {"at": "2026-11-12T07:06:00Z", "actor": "Ben Okoro", "kind": "escalate", "text": "Hardware repair, escalated to desktop-support."},
            {"at": "2026-11-12T09:30:00Z", "actor": "Dev Patel", "kind": "note", "text": "Service tag 7GKX2Z3: ProSupport with accidental damage until 03/2028. Opened Dell dispatch for LCD replacement. User keeps working with the dock and external monitor meanwhile."},
            {"at": "2026-11-13T08:00:00Z", "actor": "Dev Patel", "kind": "pend", "text": "Waiting for supplier: Dell onsite engineer and part, dispatch 187334521, ETA 27 Nov."},
        ],
        "resolution": None,
        "major": False,
    },
    {
        "key": "t33",
        "title": "Password expired and now VPN won't connect",
        "type": "incident",
        "category": "access/password",
        "impact": "medium",
        "urgency": "high",
        "reporter": "marco.rossi@example.org",
        "channel": "phone",
        "created": "2026-11-13T06:35:00Z",
        "description": (
            "I'm at a customer site. GlobalProtect opens the Microsoft sign-in and says my password "
            "has expired, I cancelled it and now it says 'Authentication failed'. I can't get to my "
            "files."
        ),
        "status": "resolved",
        "owner": "Ben Okoro",
        "group": "service-desk",
        "level": 1,
        "problem": None,
        "kb": ["kb-password-reset", "kb-vpn-cannot-connect"],
        "events": [
            {"at": "2026-11-13T06:37:00Z", "actor": "Ben Okoro", "kind": "assign", "text": "Taken by service desk."},
            {"at": "2026-11-13T06:42:00Z", "actor": "Ben Okoro", "kind": "call", "text": "Marco is registered for SSPR. Guided him through https://aka.ms/sspr on his phone (Authenticator approval). New password set; writeback confirmed in audit log."},
            {"at": "2026-11-13T06:50:00Z", "actor": "Ben Okoro", "kind": "note", "text": "GlobalProtect connected with the new password. Locked and unlocked Windows with the new password to update cached credentials."},
            {"at": "2026-11-13T06:52:00Z", "actor": "Ben Okoro", "kind": "resolve", "text": "Password changed via SSPR, VPN connected, cached credentials updated."},
            {"at": "2026-11-13T06:53:00Z", "actor": "Ben Okoro", "kind": "notify", "text": "Resolution emailed to user."},
        ],
        "resolution": {"kind": "fix", "summary": "User changed expired password via SSPR, connected GlobalProtect and refreshed cached credentials by lock/unlock."},
        "major": False,
    },
    {
        "key": "t34",
        "title": "Need Adobe Acrobat Pro to edit and sign PDFs",
        "type": "request",
        "category": "software/license",
        "impact": "low",
        "urgency": "low",
        "reporter": "irene.costa@example.org",
        "channel": "web",
        "created": "2026-11-24T09:00:00Z",
        "description": (
            "Suppliers send us contracts as PDF and I have to fill in and sign them. Acrobat Reader "
            "doesn't let me edit the fields that are not form fields. Could I get Acrobat Pro? My "
            "manager is Claire Dubois."
        ),
        "status": "assigned",
        "owner": "Dev Patel",
        "group": "desktop-support",
        "level": 2,
        "problem": None,
        "kb": ["kb-software-install-request"],
        "events": [
            {"at": "2026-11-24T09:40:00Z", "actor": "Ben Okoro", "kind": "note", "text": "Licensed software; approval from Claire Dubois needed. No free Acrobat Pro licence per Adobe Admin Console (20/20 used)."},
            {"at": "2026-11-24T09:42:00Z", "actor": "Ben Okoro", "kind": "assign", "text": "Assigned to desktop-support (Dev) for licence reallocation or purchase."},
        ],
        "resolution": None,
        "major": False,
    },
    {
        "key": "t35",
        "title": "New phone - how do I move the Authenticator?",
        "type": "request",
        "category": "access/mfa",
        "impact": "low",
        "urgency": "medium",
        "reporter": "chloe.bennett@example.org",
        "channel": "chat",
        "created": "2026-11-17T08:20:00Z",
        "description": (
            "I got a new iPhone and the Authenticator app is empty on it. My old phone still works "
            "but I'm trading it in on Friday. What do I need to do?"
        ),
        "status": "in_progress",
        "owner": "Fatima Rahman",
        "group": "identity",
        "level": 2,
        "problem": None,
        "kb": ["kb-mfa-reenrol"],
        "events": [
            {"at": "2026-11-17T08:25:00Z", "actor": "Alice Moreau", "kind": "chat", "text": "Sent the steps from the MFA re-registration KB article (add method at mysignins.microsoft.com while the old phone still works)."},
            {"at": "2026-11-17T10:10:00Z", "actor": "Alice Moreau", "kind": "note", "text": "User gets 'You can't add this method right now' at Security info. Passing to identity."},
            {"at": "2026-11-17T10:12:00Z", "actor": "Fatima Rahman", "kind": "assign", "text": "Identity taking over."},
            {"at": "2026-11-17T13:30:00Z", "actor": "Fatima Rahman", "kind": "note", "text": "Sign-in log shows the registration attempt blocked by the Conditional Access policy 'Register security info only from trusted locations' (she was at home). Asked her to try from the office tomorrow or over VPN."},
        ],
        "resolution": None,
        "major": False,
    },
    {
        "key": "t36",
        "title": "Deleted the 2025 VAT folder on the Finance drive by mistake",
        "type": "request",
        "category": "infra/backup",
        "impact": "medium",
        "urgency": "high",
        "reporter": "katarina.horvat@example.org",
        "channel": "email",
        "created": "2026-11-18T14:50:00Z",
        "description": (
            "Hello,\n\nI wanted to move the folder S:\\Finance\\Tax\\VAT 2025 into the archive folder and "
            "it seems it got deleted instead, it's not in the archive and not in my recycle bin. "
            "The Q3 VAT return is due on the 30th and all the working files are in there. Can you "
            "restore it please? It was definitely there last Friday.\n\nKatarina"
        ),
        "status": "pending",
        "owner": "Erik Holm",
        "group": "infrastructure",
        "level": 3,
        "problem": None,
        "kb": ["kb-backup-restore"],
        "events": [
            {"at": "2026-11-18T15:05:00Z", "actor": "Alice Moreau", "kind": "assign", "text": "Restore request, following the backup restore article."},
            {"at": "2026-11-18T15:15:00Z", "actor": "Alice Moreau", "kind": "call", "text": "Checked Previous Versions on `S:\\Finance\\Tax` with Katarina: snapshots only show the state after the deletion (folder deleted on 11 Nov, 7 days ago). Needs Veeam restore."},
            {"at": "2026-11-18T15:17:00Z", "actor": "Alice Moreau", "kind": "escalate", "text": "Escalated to infrastructure. Data owner is Finance; requester is in Finance, no extra approval needed."},
            {"at": "2026-11-19T07:40:00Z", "actor": "Erik Holm", "kind": "note", "text": "Restored from BJ-FS01-Daily restore point 2026-11-10 22:00 to `\\\\fs01\\restore$\\VAT2025-restore` (1,912 files, 3.4 GB). Read access granted to Katarina."},
            {"at": "2026-11-19T07:45:00Z", "actor": "Erik Holm", "kind": "email", "text": "Sent the path to Katarina and asked her to check the restored files before we copy them back."},
            {"at": "2026-11-19T07:46:00Z", "actor": "Erik Holm", "kind": "pend", "text": "Waiting for the user to confirm the restored folder is complete and the right version."},
        ],
        "resolution": None,
        "major": False,
    },
    {
        "key": "t37",
        "title": "SAP kicks me out when posting goods receipts",
        "type": "incident",
        "category": "apps/erp",
        "impact": "medium",
        "urgency": "high",
        "reporter": "sandra.kim@example.org",
        "channel": "phone",
        "created": "2026-11-19T07:45:00Z",
        "description": (
            "This morning SAP froze three times while I was matching goods receipts to invoices, "
            "then 'Connection to the server has been lost' and I had to log in again and redo the "
            "document. Colleagues in the warehouse office say the same."
        ),
        "status": "in_progress",
        "owner": "Hana Sato",
        "group": "applications",
        "level": 2,
        "problem": "prb-erp-timeout",
        "kb": [],
        "events": [
            {"at": "2026-11-19T07:48:00Z", "actor": "Alice Moreau", "kind": "assign", "text": "Taken by service desk; matches the open problem on SAP session freezes."},
            {"at": "2026-11-19T07:50:00Z", "actor": "Alice Moreau", "kind": "escalate", "text": "Escalated to applications."},
            {"at": "2026-11-19T09:20:00Z", "actor": "Hana Sato", "kind": "note", "text": "Freezes at 07:31, 07:52, 08:14 coincide with SQL CPU spikes and a parallel query plan on OPDN/PDN1 from the WMS interface. Captured plan and sent to SAP partner with the earlier traces."},
            {"at": "2026-11-19T09:25:00Z", "actor": "Hana Sato", "kind": "call", "text": "Asked Sandra to note the time of each freeze for the next days. No workaround yet; saving drafts often limits lost work."},
            {"at": "2026-11-24T10:00:00Z", "actor": "Hana Sato", "kind": "note", "text": "Partner suggests testing MAXDOP 4 and updated statistics on OPDN/PDN1. Change request drafted for the Saturday window."},
        ],
        "resolution": None,
        "major": False,
    },
    {
        "key": "t38",
        "title": "VPN keeps kicking me off",
        "type": "incident",
        "category": "network/vpn",
        "impact": "medium",
        "urgency": "medium",
        "reporter": "julia.weber@example.org",
        "channel": "email",
        "created": "2026-11-19T17:40:00Z",
        "description": (
            "Hi,\n\nthe VPN disconnects every few minutes this week when I work from home, I was in "
            "the middle of an interview on Teams and lost the candidate twice. We changed internet "
            "provider at home on Monday.\n\nJulia (HR)"
        ),
        "status": "in_progress",
        "owner": "Carla Diaz",
        "group": "network",
        "level": 2,
        "problem": "prb-vpn-mtu",
        "kb": ["kb-vpn-disconnects"],
        "events": [
            {"at": "2026-11-20T07:10:00Z", "actor": "Ben Okoro", "kind": "assign", "text": "Looks like the known VPN MTU error."},
            {"at": "2026-11-20T07:30:00Z", "actor": "Ben Okoro", "kind": "call", "text": "MTU test from home: 1472 fails, 1452 works. Logs attached."},
            {"at": "2026-11-20T07:32:00Z", "actor": "Ben Okoro", "kind": "escalate", "text": "Escalated to network for GP-SSL-Only."},
            {"at": "2026-11-20T09:00:00Z", "actor": "Carla Diaz", "kind": "note", "text": "Added to GP-SSL-Only. User reconnected at 09:05. Monitoring over the next days; also a candidate for the gateway MTU change pilot on 28 Nov."},
        ],
        "resolution": None,
        "major": False,
    },
    {
        "key": "t39",
        "title": "my print is stuck and blocks everything",
        "type": "incident",
        "category": "hardware/printer",
        "impact": "medium",
        "urgency": "medium",
        "reporter": "sophie.laurent@example.org",
        "channel": "chat",
        "created": "2026-11-20T07:05:00Z",
        "description": (
            "A 60-page PDF is stuck in my queue for HQ-1F-MFP02 with 'Error - Printing' and I can't "
            "delete it. Nothing else prints from my laptop. Colleagues can print."
        ),
        "status": "in_progress",
        "owner": "Ben Okoro",
        "group": "service-desk",
        "level": 1,
        "problem": None,
        "kb": ["kb-printer-queue-stuck"],
        "events": [
            {"at": "2026-11-20T07:08:00Z", "actor": "Ben Okoro", "kind": "assign", "text": "Only one user affected; PRN01 spooler running."},
            {"at": "2026-11-20T07:20:00Z", "actor": "Ben Okoro", "kind": "chat", "text": "Cleared local spooler remotely (net stop spooler, deleted `spool\\PRINTERS` files, net start spooler). Queue empty; test page printed."},
            {"at": "2026-11-20T09:40:00Z", "actor": "Ben Okoro", "kind": "note", "text": "Sophie reports the same PDF hangs again when printed from Edge. Prints fine from Acrobat Reader. Checking whether the PDF (carrier label batch) has a corrupt font before closing."},
        ],
        "resolution": None,
        "major": False,
    },
    {
        "key": "t40",
        "title": "Install Power BI Desktop",
        "type": "request",
        "category": "software/install",
        "impact": "low",
        "urgency": "low",
        "reporter": "tom.becker@example.org",
        "channel": "web",
        "created": "2026-11-21T10:30:00Z",
        "description": (
            "Could you install Power BI Desktop on my laptop? I need to build the carrier cost "
            "report for management. I couldn't find it in the Company Portal."
        ),
        "status": "assigned",
        "owner": "Dev Patel",
        "group": "desktop-support",
        "level": 2,
        "problem": None,
        "kb": ["kb-software-install-request"],
        "events": [
            {"at": "2026-11-23T07:50:00Z", "actor": "Ben Okoro", "kind": "note", "text": "Power BI Desktop should be in Company Portal for all finance users. Not visible for Tom: his device may be missing from the assignment group."},
            {"at": "2026-11-23T07:52:00Z", "actor": "Ben Okoro", "kind": "assign", "text": "Assigned to desktop-support to check the Intune app assignment."},
        ],
        "resolution": None,
        "major": False,
    },
    {
        "key": "t41",
        "title": "Veeam job BJ-FS01-Daily failed",
        "type": "incident",
        "category": "infra/backup",
        "impact": "medium",
        "urgency": "medium",
        "reporter": "zabbix@monitoring.example.org",
        "channel": "monitoring",
        "created": "2026-11-25T04:10:00Z",
        "description": (
            "PROBLEM: Veeam job \"BJ-FS01-Daily\" last result is Failed\n"
            "Host: vbr01.corp.example.org\nSeverity: Average\n"
            "Message: Error: Failed to create VM snapshot. Insufficient free space on datastore DS-SAN-02\n"
            "Started: 2026-11-25 04:09:44 UTC"
        ),
        "status": "assigned",
        "owner": "Erik Holm",
        "group": "infrastructure",
        "level": 3,
        "problem": None,
        "kb": [],
        "events": [
            {"at": "2026-11-25T06:40:00Z", "actor": "Ben Okoro", "kind": "note", "text": "First failure of this job; previous run on 24 Nov succeeded."},
            {"at": "2026-11-25T06:41:00Z", "actor": "Ben Okoro", "kind": "assign", "text": "Assigned to infrastructure."},
        ],
        "resolution": None,
        "major": False,
    },
    {
        "key": "t42",
        "title": "Give my assistant access to my calendar",
        "type": "request",
        "category": "email/calendar",
        "impact": "low",
        "urgency": "medium",
        "reporter": "claire.dubois@example.org",
        "channel": "email",
        "created": "2026-11-24T08:00:00Z",
        "description": (
            "Hi,\n\nmy new assistant Elif Yilmaz will manage my calendar from December. Please give "
            "her full rights to create and accept meetings for me, and she should receive my meeting "
            "invitations. Not my inbox please.\n\nClaire"
        ),
        "status": "assigned",
        "owner": "George Novak",
        "group": "messaging",
        "level": 2,
        "problem": None,
        "kb": ["kb-shared-mailbox-delegation"],
        "events": [
            {"at": "2026-11-24T08:20:00Z", "actor": "Alice Moreau", "kind": "note", "text": "Calendar owner's approval is the request itself. Delegate with Editor on Calendar only, meeting requests to delegate."},
            {"at": "2026-11-24T08:21:00Z", "actor": "Alice Moreau", "kind": "assign", "text": "Assigned to messaging."},
        ],
        "resolution": None,
        "major": False,
    },
    {
        "key": "t43",
        "title": "People can't hear me in Teams meetings",
        "type": "incident",
        "category": "collaboration/teams",
        "impact": "medium",
        "urgency": "medium",
        "reporter": "hassan.ali@example.org",
        "channel": "chat",
        "created": "2026-11-24T12:40:00Z",
        "description": (
            "Since yesterday nobody hears me in Teams calls, they say I'm muted but I'm not. The mic "
            "light on my Jabra headset is on. Phone calls with the customer line are also silent on "
            "their side."
        ),
        "status": "in_progress",
        "owner": "George Novak",
        "group": "messaging",
        "level": 2,
        "problem": None,
        "kb": [],
        "events": [
            {"at": "2026-11-24T12:45:00Z", "actor": "Alice Moreau", "kind": "chat", "text": "Teams > Settings > Devices: Jabra Evolve2 40 selected for mic and speaker; test call records silence. Windows Sound settings show no input level."},
            {"at": "2026-11-24T12:50:00Z", "actor": "Alice Moreau", "kind": "escalate", "text": "Escalated to messaging (Teams devices)."},
            {"at": "2026-11-24T13:30:00Z", "actor": "George Novak", "kind": "assign", "text": "Taking it."},
            {"at": "2026-11-24T14:10:00Z", "actor": "George Novak", "kind": "note", "text": "Privacy > Microphone access was switched off by the user while troubleshooting another app. Switched on: Windows level meter works, but Teams still sends silence. Headset firmware 1.19, current 1.23; updating via Jabra Direct tomorrow morning, user has calls this afternoon and uses laptop mic meanwhile."},
        ],
        "resolution": None,
        "major": False,
    },
    {
        "key": "t44",
        "title": "Label printer in goods-in shows 'Call for service SC542'",
        "type": "incident",
        "category": "hardware/printer",
        "impact": "medium",
        "urgency": "medium",
        "reporter": "yusuf.demir@example.org",
        "channel": "phone",
        "created": "2026-11-25T05:30:00Z",
        "description": (
            "The big printer in goods-in (DC1-GI-MFP01) stopped with 'Call for service SC542' on the "
            "display. We restarted it twice, same error. We use the label printer for now but can't "
            "print the delivery note copies."
        ),
        "status": "pending",
        "owner": "Dev Patel",
        "group": "desktop-support",
        "level": 2,
        "problem": None,
        "kb": [],
        "events": [
            {"at": "2026-11-25T05:33:00Z", "actor": "Ben Okoro", "kind": "assign", "text": "Hardware fault code on MFP, passing to desktop-support."},
            {"at": "2026-11-25T05:34:00Z", "actor": "Ben Okoro", "kind": "escalate", "text": "Escalated to desktop-support."},
            {"at": "2026-11-25T07:00:00Z", "actor": "Dev Patel", "kind": "note", "text": "SC542 is a fusing unit temperature error on this Ricoh model; not user-serviceable. Redirected the DC1-GI-MFP01 queue on PRN01 to DC1-GI-MFP02 so delivery notes print in the next room."},
            {"at": "2026-11-25T07:20:00Z", "actor": "Dev Patel", "kind": "pend", "text": "Waiting for supplier: Ricoh service call 40-771903 logged under the maintenance contract, engineer visit expected within 1 working day."},
        ],
        "resolution": None,
        "major": False,
    },
    {
        "key": "t45",
        "title": "Wi-Fi access for auditors next week",
        "type": "request",
        "category": "network/wifi",
        "impact": "low",
        "urgency": "low",
        "reporter": "robert.hughes@example.org",
        "channel": "cli",
        "created": "2026-11-25T08:15:00Z",
        "description": (
            "Robert stopped by the IT desk and asked: three external auditors will be with us from "
            "Monday 30 Nov to Thursday 3 Dec in meeting room 2, can we arrange Wi-Fi for their "
            "laptops? He will send their names."
        ),
        "status": "assigned",
        "owner": "Ben Okoro",
        "group": "service-desk",
        "level": 1,
        "problem": None,
        "kb": ["kb-wifi-corporate-guest"],
        "events": [
            {"at": "2026-11-25T08:30:00Z", "actor": "Ben Okoro", "kind": "assign", "text": "Will create 4-day NWL-Guest vouchers on Friday and hand them to reception."},
            {"at": "2026-11-25T08:35:00Z", "actor": "Ben Okoro", "kind": "email", "text": "Asked Robert for the auditors' names and company, needed for the sponsor entry on guest.example.org."},
        ],
        "resolution": None,
        "major": False,
    },
    {
        "key": "t46",
        "title": "VPN says gateway not responding",
        "type": "incident",
        "category": None,
        "impact": "medium",
        "urgency": "medium",
        "reporter": "priya.sharma@example.org",
        "channel": "web",
        "created": "2026-11-25T16:20:00Z",
        "description": (
            "GlobalProtect shows 'Gateway EXT-GW: the network connection is unreachable or the "
            "gateway is not responding' since I'm at the airport lounge. I tried twice. Flight "
            "boards in an hour and I need to send a quote before."
        ),
        "status": "new",
        "owner": None,
        "group": None,
        "level": 1,
        "problem": None,
        "kb": [],
        "events": [],
        "resolution": None,
        "major": False,
    },
    {
        "key": "t47",
        "title": "2nd floor printer prints blank pages",
        "type": "incident",
        "category": None,
        "impact": "low",
        "urgency": "medium",
        "reporter": "grace.owusu@example.org",
        "channel": "email",
        "created": "2026-11-26T06:40:00Z",
        "description": (
            "Hi,\n\nHQ-2F-MFP01 prints empty pages since this morning, and some jobs disappear from "
            "the queue without printing. Copying works fine.\n\nGrace (Finance)"
        ),
        "status": "new",
        "owner": None,
        "group": None,
        "level": 1,
        "problem": None,
        "kb": [],
        "events": [],
        "resolution": None,
        "major": False,
    },
    {
        "key": "t48",
        "title": "Locked out of my account again",
        "type": "incident",
        "category": None,
        "impact": "medium",
        "urgency": "high",
        "reporter": "luis.ferreira@example.org",
        "channel": "phone",
        "created": "2026-11-26T07:05:00Z",
        "description": (
            "Luis (driver) called from the depot: the tablet says his account is locked out again, "
            "like in October. He has not changed anything on his phone. Route starts at 8:30."
        ),
        "status": "new",
        "owner": None,
        "group": "service-desk",
        "level": 1,
        "problem": None,
        "kb": [],
        "events": [
            {"at": "2026-11-26T07:08:00Z", "actor": "Alice Moreau", "kind": "note", "text": "Logged during the call; will verify identity by call-back and check 4740 events. Previous lockout on 1 Oct (personal phone on NWL-Corp)."},
        ],
        "resolution": None,
        "major": False,
    },
    {
        "key": "t49",
        "title": "New starter in customer service on Monday",
        "type": "request",
        "needed_by": "2026-11-30T07:00:00Z",  # Monday 08:00 Berlin, her first morning
        "category": "onboarding/new-starter",
        "impact": "medium",
        "urgency": "high",
        "reporter": "nadia.haddad@example.org",
        "channel": "email",
        "created": "2026-11-26T08:05:00Z",
        "description": (
            "Hi,\n\nsorry for the short notice: Giulia Marchetti starts in customer service on Monday "
            "30 November (temp contract until 31 March). Manager: Sophie Laurent. She needs a laptop, "
            "Outlook, Teams, Dynamics 365 and access to the returns@ mailbox.\n\nNadia (HR)"
        ),
        "status": "new",
        "owner": None,
        "group": "service-desk",
        "level": 1,
        "problem": None,
        "kb": [],
        "events": [],
        "resolution": None,
        "major": False,
    },
]
