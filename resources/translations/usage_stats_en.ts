<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>AppActions</name>
    <message>
        <source>&amp;Close Window</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Sharing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing is sent because DO_NOT_TRACK is set in the environment.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing is sent until you agree to the new privacy policy, which is shown at the next start.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing is sent while sharing is off. Choose &quot;Share anonymous statistics...&quot; to turn it on.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export my data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The export failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your data was exported to %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;View my data...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Export...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send report &amp;now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Pause for 7 days</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Stop sharing...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Delete my data...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Do&amp;wnload what the server holds...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Privacy p&amp;olicy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit Printernizer Usage Statistics</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Share anonymous statistics...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Resume</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>JSON: events and sent reports (*.json)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CSV: events only (*.csv)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The export failed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing was sent because no statistics server is configured.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sending the report...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sharing resumed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sharing is paused for 7 days, until %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop sharing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop sending reports? Reports waiting to be sent are cancelled and the statistics server is asked to delete what it holds for this installation.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing is shared. You can turn sharing on at any time from the menu.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sharing is off.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sharing is on with a new installation id, so no id links new reports to the ones sent before.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sharing is on.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The data on this computer was deleted.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Asking the statistics server to delete your data...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The deletion request for your previous installation id is still running. The statistics server will be asked to delete your current data when it finishes.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save what the server holds</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>JSON (*.json)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Downloading what the statistics server holds...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The download failed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sending the report failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing with this installation id was ever sent, so the statistics server was not asked; a file saying so was saved to %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The statistics server holds no data for this installation id; a file saying so was saved to %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What the server holds was saved to %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The deletion request failed and will be retried: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The download failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Application</name>
    <message>
        <source>Printernizer Usage Statistics</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ConsentDialog</name>
    <message>
        <source>Share anonymous usage statistics?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing is recorded yet, so this example shows what a weekly report looks like:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Share anonymous statistics</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Don&apos;t share</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Printernizer can send one anonymous report a week to help its maintainers decide what to work on. Nothing leaves this computer unless you choose to share, and you can change your mind at any time from the tray menu.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A report from this computer would look like this. Sharing again starts a new installation id, so no id links new reports to the ones sent before. Jobs, files and errors count only from your agreement, so they start at zero. Printers and features are shown as they are set up now:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A report from this computer would look like this. Jobs, files and errors count only from your agreement, so they start at zero. Printers and features are shown as they are set up now:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The privacy policy changed since you agreed to it. Nothing is sent until you decide again. If you choose not to share, the statistics server is also asked to delete the reports it holds from this computer. These are the changes:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What changed since version %1, which you agreed to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What is collected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What is never collected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Where the data goes and how long it is kept</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No statistics server is set up on this computer, so nothing is sent until one is.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reports go to the statistics server at %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This computer deletes events after 90 days, but with sharing on not before a report has counted them. The statistics server keeps reports for at most two years.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You can view, export and delete this data at any time from the tray menu, and ask the statistics server to delete what it holds.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>If you don&apos;t share, events are still recorded on this computer, where you can view them, but they are never sent.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DailyBarChart</name>
    <message>
        <source>Events in the last %1 days: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Events of the type &quot;%3&quot; in the last %1 days: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No events in this period</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No events in the last %1 days</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DeleteDialog</name>
    <message>
        <source>Delete my data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Which data should be deleted?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only the data on &amp;this computer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No statistics server is configured, so there is nothing on a server to delete.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only what the statistics &amp;server holds (turns sharing off)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Both (turns sharing off)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only what the statistics &amp;server holds</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Both</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Delete...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Delete</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All events, sessions, reports waiting to be sent and the history of sent reports on this computer will be deleted. Reports then show printers and features only once Printernizer records them again. Your sharing choice and installation id are kept.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All events, sessions, reports waiting to be sent and the history of sent reports on this computer will be deleted. Reports then show printers and features only once Printernizer records them again. Your installation id is kept.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sharing will be turned off, and the statistics server will be asked to delete every report it holds for this installation. If it cannot be reached now, the request is retried until it is confirmed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The statistics server will be asked to delete every report it holds for this installation. If it cannot be reached now, the request is retried until it is confirmed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This cannot be undone.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>EventNames</name>
    <message>
        <source>Printernizer started</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Printernizer stopped</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Job created</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Job completed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Job failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>File downloaded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>File uploaded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Printer connected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Printer disconnected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Error occurred</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Feature switched on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Feature switched off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>App version</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Duration (minutes)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Error type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Feature</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>File type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Printer number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Printer type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Size (KB)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stored as %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>EventsTab</name>
    <message>
        <source>Last 7 days</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last 90 days</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All events</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No events are stored on this computer.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No events in the selected period.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No events of this type in the selected period.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Failures</name>
    <message>
        <source>The statistics server at %1 could not be reached. Either this computer is offline or the server is down. Try again later.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The statistics server at %1 did not respond within %2 seconds. Try again later.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The statistics server is busy (HTTP %1). Try again later.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The statistics server has a problem (HTTP %1). Try again later.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The statistics server at %1 refused access to the data of this installation (HTTP %2), so nothing was downloaded.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The statistics server at %1 responded with an error (HTTP %2), so nothing was downloaded.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The statistics server at %1 sent a response that could not be read. Try again later.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No statistics server is configured (set USAGE_STATS_ENDPOINT).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The download failed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Try again later.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 could not be saved because you are not allowed to write there.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 could not be saved because the disk is full.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 could not be saved because the disk is read-only.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 could not be saved because a folder has that name.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 could not be saved because its folder does not exist.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 could not be saved (%2).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 was not saved because it is a file of the usage database, which saving would destroy. Choose another file.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a file has that name or is in its path</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>you are not allowed to write there</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the disk is full</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the disk is read-only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The data folder %1 cannot be created because %2. Set USAGE_STATS_HOME to a folder you can write to.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>HistoryTab</name>
    <message>
        <source>The history was changed after it was recorded: sent reports were removed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The local history contains no sent report.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The history is intact: no entry was changed after it was recorded.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The history was changed after it was recorded. The first broken entry is row %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The statistics server confirmed that it deleted the reports of installation id %1; they stay listed here as they were sent.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The statistics server was asked to delete the reports of installation id %1 and has not confirmed it yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Report body (%1 bytes):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sent body (%1 bytes):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Server answer:</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>NextReportTab</name>
    <message>
        <source>Readable view (left) and what changed since the last report (right):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing is sent because the DO_NOT_TRACK environment variable is set. If it were not set, the next report would look like this (%1 bytes):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The next scheduled report as it stands now, byte for byte (%1 bytes):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sharing is off, so nothing will be sent. If you turn it on again, this installation gets a new installation id, the one shown below, so that new reports cannot be linked to earlier ones. The next report would look like this (%1 bytes):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sharing is off, so nothing will be sent. If you turn sharing on, the next report would look like this (%1 bytes):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The local history contains no sent report, so everything in this report would be new.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This would be the first report with this installation id, so everything in it would be new to the statistics server.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing changed since the last report apart from its id and period.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(absent)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The next report could not be built: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>OverviewTab</name>
    <message>
        <source>Installation id:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>First seen:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sharing:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Events in the last 7 days:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Events in total:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last report sent:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reports sent:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next report due:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reports waiting to be sent:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Deletion on the server:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (replaced by a new id when you share again)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>none, because the DO_NOT_TRACK environment variable is set</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (next attempt: %2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 with this installation id, %2 in total</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>off (DO_NOT_TRACK is set in the environment)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>on, but paused until %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not decided yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sharing is off because the DO_NOT_TRACK environment variable is set. Nothing is sent.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The statistics database was damaged and has been replaced by a new one. The damaged file was kept as %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Some settings are invalid, so their defaults are used until they are corrected:</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PolicyDialog</name>
    <message>
        <source>Privacy policy (version %1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No statistics server is set up on this computer, so nothing is sent until one is.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>While sharing is on, reports from this computer go to the statistics server at %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What is collected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What is never collected</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ReportStatus</name>
    <message>
        <source>Waiting to be sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rejected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Startup</name>
    <message>
        <source>The usage statistics cannot start because their data cannot be opened. Nothing was recorded or sent.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>StatsWindow</name>
    <message>
        <source>Overview</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Events</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next report</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>History</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Status</name>
    <message>
        <source>Sharing: off because DO_NOT_TRACK is set</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sharing: off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sharing: not decided yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sharing: on hold until you review the new privacy policy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sharing: paused until %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sharing: on – no statistics server configured</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sharing: on – next report %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>requested for the previous installation id %1, waiting for the server to confirm</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>requested, waiting for the server to confirm</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>confirmed by the server for the previous installation id %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>confirmed by the server</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>none requested</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the statistics server responded with HTTP %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the statistics server rejected a time in the report as being in the future, so this computer&apos;s clock is probably ahead of the server&apos;s, or was when that time was recorded. Check the system clock. If it is right, the report is sent once that time is at most one day ahead of the server&apos;s clock.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the statistics server rejected %1 as being in the future, so this computer&apos;s clock is probably ahead of the server&apos;s, or was when that time was recorded. Check the system clock. If it is right, the report is sent once that time is at most one day ahead of the server&apos;s clock.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the report was built while this computer&apos;s clock was ahead, and the clock has been set back since, so the server rejects its times as being in the future and the report is not sent again. Server response: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the report&apos;s period was scheduled while this computer&apos;s clock was ahead and ends after the current time, so the server rejects it as being in the future and the report is not sent again. The next period starts at %1. Server response: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the statistics server responded with HTTP %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>sharing is paused until %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a report covers at least one whole second, and the current period is not that long yet. Send again at %1 or later.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a report covers at least one whole second, and the current period is not that long yet. Send again in %1 seconds.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>DO_NOT_TRACK is set, so usage statistics are off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>you have not agreed to share usage statistics</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>you agreed to version %1 of the privacy policy, but version %2 is current. Nothing is sent until you agree to it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no statistics server is configured (set USAGE_STATS_ENDPOINT)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no report is due</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 The deletion request will be sent again later.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next attempt: %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing was left to delete at the statistics server: nothing was sent with this installation id, or its data there was deleted already.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The report could not be sent and will be retried later: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the statistics server at %1 could not be reached</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The statistics server could not be reached. The report is kept and sent again automatically. Either this computer is offline or the server is down.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The statistics server could not be reached. The report is kept and sent again automatically (next attempt: %1). Either this computer is offline or the server is down.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Report sent.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Report sent (server receipt %1).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server rejected the report (HTTP %1): %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No report was sent: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No report is due.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The statistics server deleted the data of this installation. Reports deleted: %1.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>StatusCounts</name>
    <message numerus="yes">
        <source>the statistics server responded with HTTP %1 and requested a wait of %n second(s)</source>
        <translation>
            <numerusform>the statistics server responded with HTTP %1 and requested a wait of %n second</numerusform>
            <numerusform>the statistics server responded with HTTP %1 and requested a wait of %n seconds</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Sharing: on – %n report(s) waiting to be sent</source>
        <translation>
            <numerusform>Sharing: on – %n report waiting to be sent</numerusform>
            <numerusform>Sharing: on – %n reports waiting to be sent</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>TableHeaders</name>
    <message>
        <source>Time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Event</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Details</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reported</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Period</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Server answer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Server receipt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>History check</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Each sent report&apos;s entry includes a fingerprint of the entry before it, so an entry in the local history that was changed or removed later shows up here.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reports do not count this event. They list the printers connected in the last 30 days and the features switched on.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A queued report counts this event. The statistics server has not accepted that report yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The statistics server rejected every report that counted this event. It stays on this computer and is never sent.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>yes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only sent and rejected reports are part of the history check.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>waiting to be sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not sent (rejected)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not sent (cancelled)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sharing was turned off before the report that counts this event was sent. It stays on this computer and is never sent.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rejected (HTTP %1). Events counted again in the next report: %2. Events kept on this computer and never sent: %3.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>accepted (HTTP %1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>rejected (HTTP %1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not accepted (HTTP %1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>verified</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>broken</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unverifiable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This entry or an earlier one was changed or removed after it was recorded.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TrayIcon</name>
    <message>
        <source>Usage statistics</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
