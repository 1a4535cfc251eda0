<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de">
<context>
    <name>AppActions</name>
    <message>
        <source>&amp;Close Window</source>
        <translation>Fenster &amp;schließen</translation>
    </message>
    <message>
        <source>&amp;Data</source>
        <translation>&amp;Daten</translation>
    </message>
    <message>
        <source>&amp;Sharing</source>
        <translation>&amp;Teilen</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <source>Nothing is sent because DO_NOT_TRACK is set in the environment.</source>
        <translation>Es wird nichts gesendet, weil die Umgebungsvariable DO_NOT_TRACK gesetzt ist.</translation>
    </message>
    <message>
        <source>Nothing is sent until you agree to the new privacy policy, which is shown at the next start.</source>
        <translation>Es wird nichts gesendet, bis Sie der neuen Datenschutzerklärung zustimmen. Sie wird beim nächsten Start angezeigt.</translation>
    </message>
    <message>
        <source>Nothing is sent while sharing is off. Choose &quot;Share anonymous statistics...&quot; to turn it on.</source>
        <translation>Solange das Teilen ausgeschaltet ist, wird nichts gesendet. Wählen Sie „Anonyme Statistiken teilen...“, um es einzuschalten.</translation>
    </message>
    <message>
        <source>Export my data</source>
        <translation>Meine Daten exportieren</translation>
    </message>
    <message>
        <source>The export failed: %1</source>
        <translation>Der Export ist fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Your data was exported to %1.</source>
        <translation>Ihre Daten wurden in %1 exportiert.</translation>
    </message>
    <message>
        <source>&amp;View my data...</source>
        <translation>Meine Daten &amp;ansehen...</translation>
    </message>
    <message>
        <source>&amp;Export...</source>
        <translation>&amp;Exportieren...</translation>
    </message>
    <message>
        <source>Send report &amp;now</source>
        <translation>Bericht &amp;jetzt senden</translation>
    </message>
    <message>
        <source>&amp;Pause for 7 days</source>
        <translation>7 Tage &amp;pausieren</translation>
    </message>
    <message>
        <source>&amp;Stop sharing...</source>
        <translation>Teilen &amp;beenden...</translation>
    </message>
    <message>
        <source>&amp;Delete my data...</source>
        <translation>Meine Daten &amp;löschen...</translation>
    </message>
    <message>
        <source>Do&amp;wnload what the server holds...</source>
        <translation>Daten vom Statistikserver &amp;herunterladen...</translation>
    </message>
    <message>
        <source>Privacy p&amp;olicy</source>
        <translation>&amp;Datenschutzerklärung</translation>
    </message>
    <message>
        <source>&amp;Quit Printernizer Usage Statistics</source>
        <translation>Printernizer-&amp;Nutzungsstatistik beenden</translation>
    </message>
    <message>
        <source>&amp;Share anonymous statistics...</source>
        <translation>Anonyme Statistiken &amp;teilen...</translation>
    </message>
    <message>
        <source>&amp;Resume</source>
        <translation>&amp;Fortsetzen</translation>
    </message>
    <message>
        <source>JSON: events and sent reports (*.json)</source>
        <translation>JSON: Ereignisse und gesendete Berichte (*.json)</translation>
    </message>
    <message>
        <source>CSV: events only (*.csv)</source>
        <translation>CSV: nur Ereignisse (*.csv)</translation>
    </message>
    <message>
        <source>The export failed.</source>
        <translation>Der Export ist fehlgeschlagen.</translation>
    </message>
    <message>
        <source>Nothing was sent because no statistics server is configured.</source>
        <translation>Es wurde nichts gesendet, weil kein Statistikserver eingerichtet ist.</translation>
    </message>
    <message>
        <source>Sending the report...</source>
        <translation>Der Bericht wird gesendet...</translation>
    </message>
    <message>
        <source>Sharing resumed.</source>
        <translation>Das Teilen wird fortgesetzt.</translation>
    </message>
    <message>
        <source>Sharing is paused for 7 days, until %1.</source>
        <translation>Das Teilen ist für 7 Tage bis %1 pausiert.</translation>
    </message>
    <message>
        <source>Stop sharing</source>
        <translation>Teilen beenden</translation>
    </message>
    <message>
        <source>Stop sending reports? Reports waiting to be sent are cancelled and the statistics server is asked to delete what it holds for this installation.</source>
        <translation>Keine Berichte mehr senden? Wartende Berichte werden verworfen, und der Statistikserver wird gebeten, alle Daten dieser Installation zu löschen.</translation>
    </message>
    <message>
        <source>Nothing is shared. You can turn sharing on at any time from the menu.</source>
        <translation>Es wird nichts geteilt. Sie können das Teilen jederzeit über das Menü einschalten.</translation>
    </message>
    <message>
        <source>Sharing is off.</source>
        <translation>Das Teilen ist ausgeschaltet.</translation>
    </message>
    <message>
        <source>Sharing is on with a new installation id, so no id links new reports to the ones sent before.</source>
        <translation>Das Teilen ist eingeschaltet und verwendet eine neue Installations-ID, sodass keine ID neue Berichte mit den früher gesendeten verknüpft.</translation>
    </message>
    <message>
        <source>Sharing is on.</source>
        <translation>Das Teilen ist eingeschaltet.</translation>
    </message>
    <message>
        <source>The data on this computer was deleted.</source>
        <translation>Die Daten auf diesem Computer wurden gelöscht.</translation>
    </message>
    <message>
        <source>Asking the statistics server to delete your data...</source>
        <translation>Der Statistikserver wird gebeten, Ihre Daten zu löschen...</translation>
    </message>
    <message>
        <source>The deletion request for your previous installation id is still running. The statistics server will be asked to delete your current data when it finishes.</source>
        <translation>Die Löschanfrage für Ihre vorherige Installations-ID läuft noch. Sobald sie abgeschlossen ist, wird der Statistikserver gebeten, Ihre aktuellen Daten zu löschen.</translation>
    </message>
    <message>
        <source>Save what the server holds</source>
        <translation>Daten vom Statistikserver speichern</translation>
    </message>
    <message>
        <source>JSON (*.json)</source>
        <translation>JSON (*.json)</translation>
    </message>
    <message>
        <source>Downloading what the statistics server holds...</source>
        <translation>Die Daten des Statistikservers werden heruntergeladen...</translation>
    </message>
    <message>
        <source>The download failed.</source>
        <translation>Das Herunterladen ist fehlgeschlagen.</translation>
    </message>
    <message>
        <source>Sending the report failed: %1</source>
        <translation>Das Senden des Berichts ist fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Nothing with this installation id was ever sent, so the statistics server was not asked; a file saying so was saved to %1.</source>
        <translation>Mit dieser Installations-ID wurde nie etwas gesendet, daher wurde der Statistikserver nicht gefragt; eine Datei mit diesem Hinweis wurde in %1 gespeichert.</translation>
    </message>
    <message>
        <source>The statistics server holds no data for this installation id; a file saying so was saved to %1.</source>
        <translation>Der Statistikserver hat keine Daten zu dieser Installations-ID; eine Datei mit diesem Hinweis wurde in %1 gespeichert.</translation>
    </message>
    <message>
        <source>What the server holds was saved to %1.</source>
        <translation>Die Daten vom Statistikserver wurden in %1 gespeichert.</translation>
    </message>
    <message>
        <source>The deletion request failed and will be retried: %1</source>
        <translation>Die Löschanfrage ist fehlgeschlagen und wird wiederholt: %1</translation>
    </message>
    <message>
        <source>The download failed: %1</source>
        <translation>Das Herunterladen ist fehlgeschlagen: %1</translation>
    </message>
</context>
<context>
    <name>Application</name>
    <message>
        <source>Printernizer Usage Statistics</source>
        <translation>Printernizer-Nutzungsstatistik</translation>
    </message>
</context>
<context>
    <name>ConsentDialog</name>
    <message>
        <source>Share anonymous usage statistics?</source>
        <translation>Anonyme Nutzungsstatistiken teilen?</translation>
    </message>
    <message>
        <source>Nothing is recorded yet, so this example shows what a weekly report looks like:</source>
        <translation>Noch ist nichts aufgezeichnet. Dieses Beispiel zeigt, wie ein Wochenbericht aussieht:</translation>
    </message>
    <message>
        <source>&amp;Share anonymous statistics</source>
        <translation>Anonyme Statistiken &amp;teilen</translation>
    </message>
    <message>
        <source>&amp;Don&apos;t share</source>
        <translation>&amp;Nicht teilen</translation>
    </message>
    <message>
        <source>Printernizer can send one anonymous report a week to help its maintainers decide what to work on. Nothing leaves this computer unless you choose to share, and you can change your mind at any time from the tray menu.</source>
        <translation>Printernizer kann einmal pro Woche einen anonymen Bericht senden, damit die Entwickler besser entscheiden können, woran sie arbeiten. Nichts verlässt diesen Computer, solange Sie nicht zustimmen, und Sie können Ihre Entscheidung jederzeit im Menü des Symbols im Infobereich der Taskleiste ändern.</translation>
    </message>
    <message>
        <source>A report from this computer would look like this. Sharing again starts a new installation id, so no id links new reports to the ones sent before. Jobs, files and errors count only from your agreement, so they start at zero. Printers and features are shown as they are set up now:</source>
        <translation>So würde ein Bericht von diesem Computer aussehen. Wenn Sie wieder teilen, wird eine neue Installations-ID verwendet, sodass keine ID neue Berichte mit den früher gesendeten verknüpft. Druckaufträge, Dateien und Fehler werden erst ab Ihrer Zustimmung gezählt und beginnen deshalb bei null. Drucker und Funktionen erscheinen so, wie sie jetzt eingerichtet sind:</translation>
    </message>
    <message>
        <source>A report from this computer would look like this. Jobs, files and errors count only from your agreement, so they start at zero. Printers and features are shown as they are set up now:</source>
        <translation>So würde ein Bericht von diesem Computer aussehen. Druckaufträge, Dateien und Fehler werden erst ab Ihrer Zustimmung gezählt und beginnen deshalb bei null. Drucker und Funktionen erscheinen so, wie sie jetzt eingerichtet sind:</translation>
    </message>
    <message>
        <source>The privacy policy changed since you agreed to it. Nothing is sent until you decide again. If you choose not to share, the statistics server is also asked to delete the reports it holds from this computer. These are the changes:</source>
        <translation>Die Datenschutzerklärung hat sich seit Ihrer Zustimmung geändert. Bis Sie erneut entscheiden, wird nichts gesendet. Wenn Sie nicht teilen, wird der Statistikserver außerdem gebeten, die Berichte dieses Computers zu löschen. Das hat sich geändert:</translation>
    </message>
    <message>
        <source>What changed since version %1, which you agreed to</source>
        <translation>Änderungen seit Version %1, der Sie zugestimmt haben</translation>
    </message>
    <message>
        <source>What is collected</source>
        <translation>Was erfasst wird</translation>
    </message>
    <message>
        <source>What is never collected</source>
        <translation>Was nie erfasst wird</translation>
    </message>
    <message>
        <source>Where the data goes and how long it is kept</source>
        <translation>Wohin die Daten gehen und wie lange sie gespeichert werden</translation>
    </message>
    <message>
        <source>No statistics server is set up on this computer, so nothing is sent until one is.</source>
        <translation>Auf diesem Computer ist kein Statistikserver eingerichtet, daher wird nichts gesendet, bis einer eingerichtet ist.</translation>
    </message>
    <message>
        <source>Reports go to the statistics server at %1.</source>
        <translation>Berichte gehen an den Statistikserver unter %1.</translation>
    </message>
    <message>
        <source>This computer deletes events after 90 days, but with sharing on not before a report has counted them. The statistics server keeps reports for at most two years.</source>
        <translation>Dieser Computer löscht Ereignisse nach 90 Tagen, bei eingeschaltetem Teilen aber erst, nachdem ein Bericht sie gezählt hat. Der Statistikserver bewahrt Berichte höchstens zwei Jahre auf.</translation>
    </message>
    <message>
        <source>You can view, export and delete this data at any time from the tray menu, and ask the statistics server to delete what it holds.</source>
        <translation>Sie können diese Daten jederzeit über das Menü des Symbols im Infobereich der Taskleiste ansehen, exportieren und löschen sowie den Statistikserver bitten, seine Daten zu löschen.</translation>
    </message>
    <message>
        <source>If you don&apos;t share, events are still recorded on this computer, where you can view them, but they are never sent.</source>
        <translation>Wenn Sie nicht teilen, werden Ereignisse weiterhin auf diesem Computer erfasst, wo Sie sie ansehen können, aber nie gesendet.</translation>
    </message>
</context>
<context>
    <name>DailyBarChart</name>
    <message>
        <source>Events in the last %1 days: %2</source>
        <translation>Ereignisse in den letzten %1 Tagen: %2</translation>
    </message>
    <message>
        <source>Events of the type &quot;%3&quot; in the last %1 days: %2</source>
        <translation>Ereignisse vom Typ „%3“ in den letzten %1 Tagen: %2</translation>
    </message>
    <message>
        <source>No events in this period</source>
        <translation>Keine Ereignisse in diesem Zeitraum</translation>
    </message>
    <message>
        <source>No events in the last %1 days</source>
        <translation>Keine Ereignisse in den letzten %1 Tagen</translation>
    </message>
</context>
<context>
    <name>DeleteDialog</name>
    <message>
        <source>Delete my data</source>
        <translation>Meine Daten löschen</translation>
    </message>
    <message>
        <source>Which data should be deleted?</source>
        <translation>Welche Daten sollen gelöscht werden?</translation>
    </message>
    <message>
        <source>Only the data on &amp;this computer</source>
        <translation>Nur die Daten auf &amp;diesem Computer</translation>
    </message>
    <message>
        <source>No statistics server is configured, so there is nothing on a server to delete.</source>
        <translation>Es ist kein Statistikserver eingerichtet, daher gibt es auf keinem Server etwas zu löschen.</translation>
    </message>
    <message>
        <source>Only what the statistics &amp;server holds (turns sharing off)</source>
        <translation>Nur die Daten auf dem &amp;Statistikserver (beendet das Teilen)</translation>
    </message>
    <message>
        <source>&amp;Both (turns sharing off)</source>
        <translation>&amp;Beides (beendet das Teilen)</translation>
    </message>
    <message>
        <source>Only what the statistics &amp;server holds</source>
        <translation>Nur die Daten auf dem &amp;Statistikserver</translation>
    </message>
    <message>
        <source>&amp;Both</source>
        <translation>&amp;Beides</translation>
    </message>
    <message>
        <source>&amp;Delete...</source>
        <translation>&amp;Löschen...</translation>
    </message>
    <message>
        <source>&amp;Delete</source>
        <translation>&amp;Löschen</translation>
    </message>
    <message>
        <source>All events, sessions, reports waiting to be sent and the history of sent reports on this computer will be deleted. Reports then show printers and features only once Printernizer records them again. Your sharing choice and installation id are kept.</source>
        <translation>Alle Ereignisse, Sitzungen, noch nicht gesendeten Berichte und der Verlauf gesendeter Berichte auf diesem Computer werden gelöscht. Berichte zeigen Drucker und Funktionen danach erst wieder, wenn Printernizer sie erneut erfasst. Ihre Entscheidung zum Teilen und die Installations-ID bleiben erhalten.</translation>
    </message>
    <message>
        <source>All events, sessions, reports waiting to be sent and the history of sent reports on this computer will be deleted. Reports then show printers and features only once Printernizer records them again. Your installation id is kept.</source>
        <translation>Alle Ereignisse, Sitzungen, noch nicht gesendeten Berichte und der Verlauf gesendeter Berichte auf diesem Computer werden gelöscht. Berichte zeigen Drucker und Funktionen danach erst wieder, wenn Printernizer sie erneut erfasst. Die Installations-ID bleibt erhalten.</translation>
    </message>
    <message>
        <source>Sharing will be turned off, and the statistics server will be asked to delete every report it holds for this installation. If it cannot be reached now, the request is retried until it is confirmed.</source>
        <translation>Das Teilen wird ausgeschaltet, und der Statistikserver wird gebeten, alle Berichte dieser Installation zu löschen. Ist er gerade nicht erreichbar, wird die Anfrage wiederholt, bis er sie bestätigt.</translation>
    </message>
    <message>
        <source>The statistics server will be asked to delete every report it holds for this installation. If it cannot be reached now, the request is retried until it is confirmed.</source>
        <translation>Der Statistikserver wird gebeten, alle Berichte dieser Installation zu löschen. Ist er gerade nicht erreichbar, wird die Anfrage wiederholt, bis er sie bestätigt.</translation>
    </message>
    <message>
        <source>This cannot be undone.</source>
        <translation>Das kann nicht rückgängig gemacht werden.</translation>
    </message>
</context>
<context>
    <name>EventNames</name>
    <message>
        <source>Printernizer started</source>
        <translation>Printernizer gestartet</translation>
    </message>
    <message>
        <source>Printernizer stopped</source>
        <translation>Printernizer beendet</translation>
    </message>
    <message>
        <source>Job created</source>
        <translation>Druckauftrag erstellt</translation>
    </message>
    <message>
        <source>Job completed</source>
        <translation>Druckauftrag abgeschlossen</translation>
    </message>
    <message>
        <source>Job failed</source>
        <translation>Druckauftrag fehlgeschlagen</translation>
    </message>
    <message>
        <source>File downloaded</source>
        <translation>Datei heruntergeladen</translation>
    </message>
    <message>
        <source>File uploaded</source>
        <translation>Datei hochgeladen</translation>
    </message>
    <message>
        <source>Printer connected</source>
        <translation>Drucker verbunden</translation>
    </message>
    <message>
        <source>Printer disconnected</source>
        <translation>Drucker getrennt</translation>
    </message>
    <message>
        <source>Error occurred</source>
        <translation>Fehler aufgetreten</translation>
    </message>
    <message>
        <source>Feature switched on</source>
        <translation>Funktion eingeschaltet</translation>
    </message>
    <message>
        <source>Feature switched off</source>
        <translation>Funktion ausgeschaltet</translation>
    </message>
    <message>
        <source>App version</source>
        <translation>App-Version</translation>
    </message>
    <message>
        <source>Duration (minutes)</source>
        <translation>Dauer (Minuten)</translation>
    </message>
    <message>
        <source>Error type</source>
        <translation>Fehlertyp</translation>
    </message>
    <message>
        <source>Feature</source>
        <translation>Funktion</translation>
    </message>
    <message>
        <source>File type</source>
        <translation>Dateityp</translation>
    </message>
    <message>
        <source>Printer number</source>
        <translation>Druckernummer</translation>
    </message>
    <message>
        <source>Printer type</source>
        <translation>Druckertyp</translation>
    </message>
    <message>
        <source>Size (KB)</source>
        <translation>Größe (KB)</translation>
    </message>
    <message>
        <source>Stored as %1</source>
        <translation>Gespeichert als %1</translation>
    </message>
</context>
<context>
    <name>EventsTab</name>
    <message>
        <source>Last 7 days</source>
        <translation>Letzte 7 Tage</translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation>Letzte 30 Tage</translation>
    </message>
    <message>
        <source>Last 90 days</source>
        <translation>Letzte 90 Tage</translation>
    </message>
    <message>
        <source>All time</source>
        <translation>Gesamter Zeitraum</translation>
    </message>
    <message>
        <source>All events</source>
        <translation>Alle Ereignisse</translation>
    </message>
    <message>
        <source>Show:</source>
        <translation>Anzeigen:</translation>
    </message>
    <message>
        <source>No events are stored on this computer.</source>
        <translation>Auf diesem Computer sind keine Ereignisse gespeichert.</translation>
    </message>
    <message>
        <source>No events in the selected period.</source>
        <translation>Keine Ereignisse im gewählten Zeitraum.</translation>
    </message>
    <message>
        <source>No events of this type in the selected period.</source>
        <translation>Keine Ereignisse dieser Art im gewählten Zeitraum.</translation>
    </message>
</context>
<context>
    <name>Failures</name>
    <message>
        <source>The statistics server at %1 could not be reached. Either this computer is offline or the server is down. Try again later.</source>
        <translation>Der Statistikserver unter %1 war nicht erreichbar. Entweder hat dieser Computer keine Netzwerkverbindung oder der Server ist ausgefallen. Versuchen Sie es später erneut.</translation>
    </message>
    <message>
        <source>The statistics server at %1 did not respond within %2 seconds. Try again later.</source>
        <translation>Der Statistikserver unter %1 hat nicht innerhalb von %2 Sekunden geantwortet. Versuchen Sie es später erneut.</translation>
    </message>
    <message>
        <source>The statistics server is busy (HTTP %1). Try again later.</source>
        <translation>Der Statistikserver ist überlastet (HTTP %1). Versuchen Sie es später erneut.</translation>
    </message>
    <message>
        <source>The statistics server has a problem (HTTP %1). Try again later.</source>
        <translation>Der Statistikserver hat ein Problem (HTTP %1). Versuchen Sie es später erneut.</translation>
    </message>
    <message>
        <source>The statistics server at %1 refused access to the data of this installation (HTTP %2), so nothing was downloaded.</source>
        <translation>Der Statistikserver unter %1 hat den Zugriff auf die Daten dieser Installation verweigert (HTTP %2), daher wurde nichts heruntergeladen.</translation>
    </message>
    <message>
        <source>The statistics server at %1 responded with an error (HTTP %2), so nothing was downloaded.</source>
        <translation>Der Statistikserver unter %1 hat mit einem Fehler geantwortet (HTTP %2), daher wurde nichts heruntergeladen.</translation>
    </message>
    <message>
        <source>The statistics server at %1 sent a response that could not be read. Try again later.</source>
        <translation>Der Statistikserver unter %1 hat eine Antwort gesendet, die nicht gelesen werden konnte. Versuchen Sie es später erneut.</translation>
    </message>
    <message>
        <source>No statistics server is configured (set USAGE_STATS_ENDPOINT).</source>
        <translation>Es ist kein Statistikserver eingerichtet (setzen Sie USAGE_STATS_ENDPOINT).</translation>
    </message>
    <message>
        <source>The download failed.</source>
        <translation>Das Herunterladen ist fehlgeschlagen.</translation>
    </message>
    <message>
        <source>Try again later.</source>
        <translation>Versuchen Sie es später erneut.</translation>
    </message>
    <message>
        <source>%1 could not be saved because you are not allowed to write there.</source>
        <translation>%1 konnte nicht gespeichert werden, weil Sie dort keine Schreibrechte haben.</translation>
    </message>
    <message>
        <source>%1 could not be saved because the disk is full.</source>
        <translation>%1 konnte nicht gespeichert werden, weil der Datenträger voll ist.</translation>
    </message>
    <message>
        <source>%1 could not be saved because the disk is read-only.</source>
        <translation>%1 konnte nicht gespeichert werden, weil der Datenträger schreibgeschützt ist.</translation>
    </message>
    <message>
        <source>%1 could not be saved because a folder has that name.</source>
        <translation>%1 konnte nicht gespeichert werden, weil ein Ordner diesen Namen trägt.</translation>
    </message>
    <message>
        <source>%1 could not be saved because its folder does not exist.</source>
        <translation>%1 konnte nicht gespeichert werden, weil der Ordner nicht existiert.</translation>
    </message>
    <message>
        <source>%1 could not be saved (%2).</source>
        <translation>%1 konnte nicht gespeichert werden (%2).</translation>
    </message>
    <message>
        <source>%1 was not saved because it is a file of the usage database, which saving would destroy. Choose another file.</source>
        <translation>%1 wurde nicht gespeichert, weil es eine Datei der Nutzungsdatenbank ist, die beim Speichern zerstört würde. Wählen Sie eine andere Datei.</translation>
    </message>
    <message>
        <source>a file has that name or is in its path</source>
        <translation>eine Datei diesen Namen trägt oder in seinem Pfad liegt</translation>
    </message>
    <message>
        <source>you are not allowed to write there</source>
        <translation>Sie dort nicht schreiben dürfen</translation>
    </message>
    <message>
        <source>the disk is full</source>
        <translation>der Datenträger voll ist</translation>
    </message>
    <message>
        <source>the disk is read-only</source>
        <translation>der Datenträger schreibgeschützt ist</translation>
    </message>
    <message>
        <source>The data folder %1 cannot be created because %2. Set USAGE_STATS_HOME to a folder you can write to.</source>
        <translation>Der Datenordner %1 kann nicht angelegt werden, weil %2. Setzen Sie USAGE_STATS_HOME auf einen Ordner, in den Sie schreiben können.</translation>
    </message>
</context>
<context>
    <name>HistoryTab</name>
    <message>
        <source>The history was changed after it was recorded: sent reports were removed.</source>
        <translation>Der Verlauf wurde nachträglich verändert: Gesendete Berichte wurden entfernt.</translation>
    </message>
    <message>
        <source>The local history contains no sent report.</source>
        <translation>Der lokale Verlauf enthält keinen gesendeten Bericht.</translation>
    </message>
    <message>
        <source>The history is intact: no entry was changed after it was recorded.</source>
        <translation>Der Verlauf ist intakt: Kein Eintrag wurde nach dem Speichern geändert.</translation>
    </message>
    <message>
        <source>The history was changed after it was recorded. The first broken entry is row %1.</source>
        <translation>Der Verlauf wurde nachträglich verändert. Der erste beschädigte Eintrag ist Zeile %1.</translation>
    </message>
    <message>
        <source>The statistics server confirmed that it deleted the reports of installation id %1; they stay listed here as they were sent.</source>
        <translation>Der Statistikserver hat bestätigt, dass er die Berichte der Installations-ID %1 gelöscht hat; sie bleiben hier so aufgeführt, wie sie gesendet wurden.</translation>
    </message>
    <message>
        <source>The statistics server was asked to delete the reports of installation id %1 and has not confirmed it yet.</source>
        <translation>Der Statistikserver wurde gebeten, die Berichte der Installations-ID %1 zu löschen, und hat dies noch nicht bestätigt.</translation>
    </message>
    <message>
        <source>Report body (%1 bytes):</source>
        <translation>Berichtsinhalt (%1 Bytes):</translation>
    </message>
    <message>
        <source>Sent body (%1 bytes):</source>
        <translation>Gesendeter Inhalt (%1 Bytes):</translation>
    </message>
    <message>
        <source>Server answer:</source>
        <translation>Antwort des Servers:</translation>
    </message>
</context>
<context>
    <name>NextReportTab</name>
    <message>
        <source>Readable view (left) and what changed since the last report (right):</source>
        <translation>Lesbare Ansicht (links) und Änderungen seit dem letzten Bericht (rechts):</translation>
    </message>
    <message>
        <source>Nothing is sent because the DO_NOT_TRACK environment variable is set. If it were not set, the next report would look like this (%1 bytes):</source>
        <translation>Es wird nichts gesendet, weil die Umgebungsvariable DO_NOT_TRACK gesetzt ist. Ohne sie sähe der nächste Bericht so aus (%1 Bytes):</translation>
    </message>
    <message>
        <source>The next scheduled report as it stands now, byte for byte (%1 bytes):</source>
        <translation>Der nächste geplante Bericht in seinem jetzigen Stand, Byte für Byte (%1 Bytes):</translation>
    </message>
    <message>
        <source>Sharing is off, so nothing will be sent. If you turn it on again, this installation gets a new installation id, the one shown below, so that new reports cannot be linked to earlier ones. The next report would look like this (%1 bytes):</source>
        <translation>Das Teilen ist aus, daher wird nichts gesendet. Wenn Sie es wieder einschalten, erhält diese Installation eine neue Installations-ID (die unten gezeigte), damit sich neue Berichte nicht mit früheren verknüpfen lassen. Der nächste Bericht sähe so aus (%1 Bytes):</translation>
    </message>
    <message>
        <source>Sharing is off, so nothing will be sent. If you turn sharing on, the next report would look like this (%1 bytes):</source>
        <translation>Das Teilen ist aus, daher wird nichts gesendet. Wenn Sie das Teilen einschalten, sähe der nächste Bericht so aus (%1 Bytes):</translation>
    </message>
    <message>
        <source>The local history contains no sent report, so everything in this report would be new.</source>
        <translation>Der lokale Verlauf enthält keinen gesendeten Bericht, daher wäre alles in diesem Bericht neu.</translation>
    </message>
    <message>
        <source>This would be the first report with this installation id, so everything in it would be new to the statistics server.</source>
        <translation>Dies wäre der erste Bericht mit dieser Installations-ID, daher wäre alles darin für den Statistikserver neu.</translation>
    </message>
    <message>
        <source>Nothing changed since the last report apart from its id and period.</source>
        <translation>Seit dem letzten Bericht hat sich außer ID und Zeitraum nichts geändert.</translation>
    </message>
    <message>
        <source>(absent)</source>
        <translation>(nicht vorhanden)</translation>
    </message>
    <message>
        <source>The next report could not be built: %1</source>
        <translation>Der nächste Bericht konnte nicht erstellt werden: %1</translation>
    </message>
</context>
<context>
    <name>OverviewTab</name>
    <message>
        <source>Installation id:</source>
        <translation>Installations-ID:</translation>
    </message>
    <message>
        <source>First seen:</source>
        <translation>Erstmals erfasst:</translation>
    </message>
    <message>
        <source>Sharing:</source>
        <translation>Teilen:</translation>
    </message>
    <message>
        <source>Events in the last 7 days:</source>
        <translation>Ereignisse der letzten 7 Tage:</translation>
    </message>
    <message>
        <source>Events in total:</source>
        <translation>Ereignisse insgesamt:</translation>
    </message>
    <message>
        <source>Last report sent:</source>
        <translation>Letzter Bericht gesendet:</translation>
    </message>
    <message>
        <source>Reports sent:</source>
        <translation>Gesendete Berichte:</translation>
    </message>
    <message>
        <source>Next report due:</source>
        <translation>Nächster Bericht fällig:</translation>
    </message>
    <message>
        <source>Reports waiting to be sent:</source>
        <translation>Wartende Berichte:</translation>
    </message>
    <message>
        <source>Deletion on the server:</source>
        <translation>Löschung auf dem Server:</translation>
    </message>
    <message>
        <source>%1 (replaced by a new id when you share again)</source>
        <translation>%1 (wird beim erneuten Teilen durch eine neue ID ersetzt)</translation>
    </message>
    <message>
        <source>none, because the DO_NOT_TRACK environment variable is set</source>
        <translation>keiner, weil die Umgebungsvariable DO_NOT_TRACK gesetzt ist</translation>
    </message>
    <message>
        <source>%1 (next attempt: %2)</source>
        <translation>%1 (nächster Versuch: %2)</translation>
    </message>
    <message>
        <source>%1 with this installation id, %2 in total</source>
        <translation>%1 mit dieser Installations-ID, %2 insgesamt</translation>
    </message>
    <message>
        <source>off (DO_NOT_TRACK is set in the environment)</source>
        <translation>aus (die Umgebungsvariable DO_NOT_TRACK ist gesetzt)</translation>
    </message>
    <message>
        <source>on, but paused until %1</source>
        <translation>an, aber pausiert bis %1</translation>
    </message>
    <message>
        <source>on</source>
        <translation>an</translation>
    </message>
    <message>
        <source>off</source>
        <translation>aus</translation>
    </message>
    <message>
        <source>not decided yet</source>
        <translation>noch nicht entschieden</translation>
    </message>
    <message>
        <source>Sharing is off because the DO_NOT_TRACK environment variable is set. Nothing is sent.</source>
        <translation>Das Teilen ist aus, weil die Umgebungsvariable DO_NOT_TRACK gesetzt ist. Es wird nichts gesendet.</translation>
    </message>
    <message>
        <source>The statistics database was damaged and has been replaced by a new one. The damaged file was kept as %1.</source>
        <translation>Die Statistikdatenbank war beschädigt und wurde durch eine neue ersetzt. Die beschädigte Datei wurde als %1 aufbewahrt.</translation>
    </message>
    <message>
        <source>Some settings are invalid, so their defaults are used until they are corrected:</source>
        <translation>Einige Einstellungen sind ungültig, daher werden ihre Standardwerte verwendet, bis sie korrigiert sind:</translation>
    </message>
</context>
<context>
    <name>PolicyDialog</name>
    <message>
        <source>Privacy policy (version %1)</source>
        <translation>Datenschutzerklärung (Version %1)</translation>
    </message>
    <message>
        <source>No statistics server is set up on this computer, so nothing is sent until one is.</source>
        <translation>Auf diesem Computer ist kein Statistikserver eingerichtet, daher wird nichts gesendet, bis einer eingerichtet ist.</translation>
    </message>
    <message>
        <source>While sharing is on, reports from this computer go to the statistics server at %1.</source>
        <translation>Solange das Teilen eingeschaltet ist, gehen Berichte dieses Computers an den Statistikserver unter %1.</translation>
    </message>
    <message>
        <source>What is collected</source>
        <translation>Was erfasst wird</translation>
    </message>
    <message>
        <source>What is never collected</source>
        <translation>Was nie erfasst wird</translation>
    </message>
</context>
<context>
    <name>ReportStatus</name>
    <message>
        <source>Waiting to be sent</source>
        <translation>Wartet auf Versand</translation>
    </message>
    <message>
        <source>Sent</source>
        <translation>Gesendet</translation>
    </message>
    <message>
        <source>Rejected</source>
        <translation>Abgelehnt</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Verworfen</translation>
    </message>
</context>
<context>
    <name>Startup</name>
    <message>
        <source>The usage statistics cannot start because their data cannot be opened. Nothing was recorded or sent.</source>
        <translation>Die Nutzungsstatistik kann nicht starten, weil ihre Daten nicht geöffnet werden können. Es wurde nichts aufgezeichnet oder gesendet.</translation>
    </message>
</context>
<context>
    <name>StatsWindow</name>
    <message>
        <source>Overview</source>
        <translation>Übersicht</translation>
    </message>
    <message>
        <source>Events</source>
        <translation>Ereignisse</translation>
    </message>
    <message>
        <source>Next report</source>
        <translation>Nächster Bericht</translation>
    </message>
    <message>
        <source>History</source>
        <translation>Verlauf</translation>
    </message>
</context>
<context>
    <name>Status</name>
    <message>
        <source>Sharing: off because DO_NOT_TRACK is set</source>
        <translation>Teilen: aus, weil DO_NOT_TRACK gesetzt ist</translation>
    </message>
    <message>
        <source>Sharing: off</source>
        <translation>Teilen: aus</translation>
    </message>
    <message>
        <source>Sharing: not decided yet</source>
        <translation>Teilen: noch nicht entschieden</translation>
    </message>
    <message>
        <source>Sharing: on hold until you review the new privacy policy</source>
        <translation>Teilen: angehalten, bis Sie die neue Datenschutzerklärung prüfen</translation>
    </message>
    <message>
        <source>Sharing: paused until %1</source>
        <translation>Teilen: pausiert bis %1</translation>
    </message>
    <message>
        <source>Sharing: on – no statistics server configured</source>
        <translation>Teilen: an – kein Statistikserver eingerichtet</translation>
    </message>
    <message>
        <source>Sharing: on – next report %1</source>
        <translation>Teilen: an – nächster Bericht %1</translation>
    </message>
    <message>
        <source>requested for the previous installation id %1, waiting for the server to confirm</source>
        <translation>für die vorherige Installations-ID %1 angefordert, Bestätigung des Servers steht aus</translation>
    </message>
    <message>
        <source>requested, waiting for the server to confirm</source>
        <translation>angefordert, Bestätigung des Servers steht aus</translation>
    </message>
    <message>
        <source>confirmed by the server for the previous installation id %1</source>
        <translation>für die vorherige Installations-ID %1 vom Server bestätigt</translation>
    </message>
    <message>
        <source>confirmed by the server</source>
        <translation>vom Server bestätigt</translation>
    </message>
    <message>
        <source>none requested</source>
        <translation>nicht angefordert</translation>
    </message>
    <message>
        <source>the statistics server responded with HTTP %1</source>
        <translation>der Statistikserver hat mit HTTP %1 geantwortet</translation>
    </message>
    <message>
        <source>the statistics server rejected a time in the report as being in the future, so this computer&apos;s clock is probably ahead of the server&apos;s, or was when that time was recorded. Check the system clock. If it is right, the report is sent once that time is at most one day ahead of the server&apos;s clock.</source>
        <translation>der Statistikserver hat eine Zeitangabe im Bericht abgelehnt, weil sie in der Zukunft liegt. Die Uhr dieses Computers geht also wahrscheinlich gegenüber der des Servers vor, oder sie ging vor, als diese Zeit erfasst wurde. Bitte prüfen Sie die Systemuhr. Geht sie richtig, wird der Bericht gesendet, sobald diese Zeit höchstens einen Tag vor der Uhr des Servers liegt.</translation>
    </message>
    <message>
        <source>the statistics server rejected %1 as being in the future, so this computer&apos;s clock is probably ahead of the server&apos;s, or was when that time was recorded. Check the system clock. If it is right, the report is sent once that time is at most one day ahead of the server&apos;s clock.</source>
        <translation>der Statistikserver hat die Zeit in %1 abgelehnt, weil sie in der Zukunft liegt. Die Uhr dieses Computers geht also wahrscheinlich gegenüber der des Servers vor, oder sie ging vor, als diese Zeit erfasst wurde. Bitte prüfen Sie die Systemuhr. Geht sie richtig, wird der Bericht gesendet, sobald diese Zeit höchstens einen Tag vor der Uhr des Servers liegt.</translation>
    </message>
    <message>
        <source>the report was built while this computer&apos;s clock was ahead, and the clock has been set back since, so the server rejects its times as being in the future and the report is not sent again. Server response: %1</source>
        <translation>der Bericht wurde erstellt, als die Uhr dieses Computers vorging, und die Uhr wurde seitdem zurückgestellt. Der Server lehnt seine Zeitangaben daher als in der Zukunft liegend ab, und der Bericht wird nicht erneut gesendet. Antwort des Servers: %1</translation>
    </message>
    <message>
        <source>the report&apos;s period was scheduled while this computer&apos;s clock was ahead and ends after the current time, so the server rejects it as being in the future and the report is not sent again. The next period starts at %1. Server response: %2</source>
        <translation>der Zeitraum des Berichts wurde festgelegt, als die Uhr dieses Computers vorging, und endet nach der aktuellen Zeit. Der Server lehnt ihn daher als in der Zukunft liegend ab, und der Bericht wird nicht erneut gesendet. Der nächste Zeitraum beginnt am %1. Antwort des Servers: %2</translation>
    </message>
    <message>
        <source>the statistics server responded with HTTP %1: %2</source>
        <translation>der Statistikserver hat mit HTTP %1 geantwortet: %2</translation>
    </message>
    <message>
        <source>sharing is paused until %1</source>
        <translation>das Teilen ist bis %1 pausiert</translation>
    </message>
    <message>
        <source>a report covers at least one whole second, and the current period is not that long yet. Send again at %1 or later.</source>
        <translation>ein Bericht umfasst mindestens eine volle Sekunde, und der aktuelle Zeitraum ist noch nicht so lang. Senden Sie ab %1 erneut.</translation>
    </message>
    <message>
        <source>a report covers at least one whole second, and the current period is not that long yet. Send again in %1 seconds.</source>
        <translation>ein Bericht umfasst mindestens eine volle Sekunde, und der aktuelle Zeitraum ist noch nicht so lang. Senden Sie in %1 Sekunden erneut.</translation>
    </message>
    <message>
        <source>DO_NOT_TRACK is set, so usage statistics are off</source>
        <translation>DO_NOT_TRACK ist gesetzt, daher ist die Nutzungsstatistik aus</translation>
    </message>
    <message>
        <source>you have not agreed to share usage statistics</source>
        <translation>Sie haben dem Teilen der Nutzungsstatistik nicht zugestimmt</translation>
    </message>
    <message>
        <source>you agreed to version %1 of the privacy policy, but version %2 is current. Nothing is sent until you agree to it</source>
        <translation>Sie haben Version %1 der Datenschutzerklärung zugestimmt, aktuell ist aber Version %2. Bis Sie ihr zustimmen, wird nichts gesendet</translation>
    </message>
    <message>
        <source>no statistics server is configured (set USAGE_STATS_ENDPOINT)</source>
        <translation>es ist kein Statistikserver eingerichtet (setzen Sie USAGE_STATS_ENDPOINT)</translation>
    </message>
    <message>
        <source>no report is due</source>
        <translation>es ist kein Bericht fällig</translation>
    </message>
    <message>
        <source>%1 The deletion request will be sent again later.</source>
        <translation>%1 Die Löschanfrage wird später erneut gesendet.</translation>
    </message>
    <message>
        <source>Next attempt: %1.</source>
        <translation>Nächster Versuch: %1.</translation>
    </message>
    <message>
        <source>Nothing was left to delete at the statistics server: nothing was sent with this installation id, or its data there was deleted already.</source>
        <translation>Beim Statistikserver war nichts mehr zu löschen: Mit dieser Installations-ID wurde nichts gesendet, oder die Daten dort wurden bereits gelöscht.</translation>
    </message>
    <message>
        <source>The report could not be sent and will be retried later: %1</source>
        <translation>Der Bericht konnte nicht gesendet werden und wird später erneut versucht: %1</translation>
    </message>
    <message>
        <source>the statistics server at %1 could not be reached</source>
        <translation>der Statistikserver unter %1 war nicht erreichbar</translation>
    </message>
    <message>
        <source>The statistics server could not be reached. The report is kept and sent again automatically. Either this computer is offline or the server is down.</source>
        <translation>Der Statistikserver war nicht erreichbar. Der Bericht bleibt gespeichert und wird automatisch erneut gesendet. Entweder hat dieser Computer keine Netzwerkverbindung oder der Server ist ausgefallen.</translation>
    </message>
    <message>
        <source>The statistics server could not be reached. The report is kept and sent again automatically (next attempt: %1). Either this computer is offline or the server is down.</source>
        <translation>Der Statistikserver war nicht erreichbar. Der Bericht bleibt gespeichert und wird automatisch erneut gesendet (nächster Versuch: %1). Entweder hat dieser Computer keine Netzwerkverbindung oder der Server ist ausgefallen.</translation>
    </message>
    <message>
        <source>Report sent.</source>
        <translation>Bericht gesendet.</translation>
    </message>
    <message>
        <source>Report sent (server receipt %1).</source>
        <translation>Bericht gesendet (Empfangsnummer des Servers: %1).</translation>
    </message>
    <message>
        <source>The server rejected the report (HTTP %1): %2</source>
        <translation>Der Server hat den Bericht abgelehnt (HTTP %1): %2</translation>
    </message>
    <message>
        <source>No report was sent: %1</source>
        <translation>Es wurde kein Bericht gesendet: %1</translation>
    </message>
    <message>
        <source>No report is due.</source>
        <translation>Es ist kein Bericht fällig.</translation>
    </message>
    <message>
        <source>The statistics server deleted the data of this installation. Reports deleted: %1.</source>
        <translation>Der Statistikserver hat die Daten dieser Installation gelöscht. Gelöschte Berichte: %1.</translation>
    </message>
</context>
<context>
    <name>StatusCounts</name>
    <message numerus="yes">
        <source>the statistics server responded with HTTP %1 and requested a wait of %n second(s)</source>
        <translation>
            <numerusform>der Statistikserver hat mit HTTP %1 geantwortet und bittet, %n Sekunde zu warten</numerusform>
            <numerusform>der Statistikserver hat mit HTTP %1 geantwortet und bittet, %n Sekunden zu warten</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Sharing: on – %n report(s) waiting to be sent</source>
        <translation>
            <numerusform>Teilen: an – %n Bericht wartet auf Versand</numerusform>
            <numerusform>Teilen: an – %n Berichte warten auf Versand</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>TableHeaders</name>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>Ereignis</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>Reported</source>
        <translation>Gemeldet</translation>
    </message>
    <message>
        <source>Sent</source>
        <translation>Gesendet</translation>
    </message>
    <message>
        <source>Period</source>
        <translation>Zeitraum</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Server answer</source>
        <translation>Antwort des Servers</translation>
    </message>
    <message>
        <source>Server receipt</source>
        <translation>Empfangsnummer</translation>
    </message>
    <message>
        <source>History check</source>
        <translation>Verlaufsprüfung</translation>
    </message>
    <message>
        <source>Each sent report&apos;s entry includes a fingerprint of the entry before it, so an entry in the local history that was changed or removed later shows up here.</source>
        <translation>Jeder Eintrag eines gesendeten Berichts enthält einen Fingerabdruck des Eintrags davor. So zeigt sich hier, wenn ein Eintrag im lokalen Verlauf nachträglich geändert oder entfernt wurde.</translation>
    </message>
    <message>
        <source>Only sent and rejected reports are part of the history check.</source>
        <translation>Nur gesendete und abgelehnte Berichte gehören zur Verlaufsprüfung.</translation>
    </message>
    <message>
        <source>Reports do not count this event. They list the printers connected in the last 30 days and the features switched on.</source>
        <translation>Berichte zählen dieses Ereignis nicht. Sie nennen die in den letzten 30 Tagen verbundenen Drucker und die eingeschalteten Funktionen.</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>ja</translation>
    </message>
    <message>
        <source>no</source>
        <translation>nein</translation>
    </message>
    <message>
        <source>waiting to be sent</source>
        <translation>wartet auf Versand</translation>
    </message>
    <message>
        <source>A queued report counts this event. The statistics server has not accepted that report yet.</source>
        <translation>Ein wartender Bericht zählt dieses Ereignis. Der Statistikserver hat diesen Bericht noch nicht angenommen.</translation>
    </message>
    <message>
        <source>not sent (rejected)</source>
        <translation>nicht gesendet (abgelehnt)</translation>
    </message>
    <message>
        <source>The statistics server rejected every report that counted this event. It stays on this computer and is never sent.</source>
        <translation>Der Statistikserver hat jeden Bericht abgelehnt, der dieses Ereignis gezählt hat. Es bleibt auf diesem Computer und wird nie gesendet.</translation>
    </message>
    <message>
        <source>not sent (cancelled)</source>
        <translation>nicht gesendet (verworfen)</translation>
    </message>
    <message>
        <source>Sharing was turned off before the report that counts this event was sent. It stays on this computer and is never sent.</source>
        <translation>Das Teilen wurde ausgeschaltet, bevor der Bericht mit diesem Ereignis gesendet wurde. Es bleibt auf diesem Computer und wird nie gesendet.</translation>
    </message>
    <message>
        <source>Rejected (HTTP %1). Events counted again in the next report: %2. Events kept on this computer and never sent: %3.</source>
        <translation>Abgelehnt (HTTP %1). Ereignisse, die im nächsten Bericht erneut gezählt werden: %2. Ereignisse, die auf diesem Computer bleiben und nie gesendet werden: %3.</translation>
    </message>
    <message>
        <source>accepted (HTTP %1)</source>
        <translation>angenommen (HTTP %1)</translation>
    </message>
    <message>
        <source>rejected (HTTP %1)</source>
        <translation>abgelehnt (HTTP %1)</translation>
    </message>
    <message>
        <source>not accepted (HTTP %1)</source>
        <translation>nicht angenommen (HTTP %1)</translation>
    </message>
    <message>
        <source>verified</source>
        <translation>unverändert</translation>
    </message>
    <message>
        <source>broken</source>
        <translation>verändert</translation>
    </message>
    <message>
        <source>unverifiable</source>
        <translation>nicht prüfbar</translation>
    </message>
    <message>
        <source>This entry or an earlier one was changed or removed after it was recorded.</source>
        <translation>Dieser oder ein früherer Eintrag wurde nachträglich verändert oder entfernt.</translation>
    </message>
</context>
<context>
    <name>TrayIcon</name>
    <message>
        <source>Usage statistics</source>
        <translation>Nutzungsstatistik</translation>
    </message>
</context>
</TS>
