; Cuecards for Windows: a per-user installer (no admin rights) around the PyInstaller folder.
;
; Build on Windows, after `python installer\build.py` made dist\cuecards\ (cuecards.exe for the
; command line, cuecardsw.exe for the tray app, no console):
;   iscc installer\windows\cuecards.iss            -> dist\Cuecards-Setup-<version>.exe
; Install:
;   Cuecards-Setup-0.1.0.exe                                    the wizard
;   Cuecards-Setup-0.1.0.exe /VERYSILENT /SUPPRESSMSGBOXES      silent, starts at sign-in
;   … /VERYSILENT /MERGETASKS="!autostart"                      silent, not started at sign-in
;   … /VERYSILENT /POLICY="\\server\share\cuecards-policy.toml" also places the admin policy
; The policy goes where the app reads it: %ProgramData%\Cuecards\policy.toml. Uninstall (Apps
; & features, or "%LOCALAPPDATA%\Programs\Cuecards\unins000.exe" /VERYSILENT) removes the
; program, its Start-menu entries and the Run value; the person's data is kept (see below).
; Not built in CI: Inno Setup runs on Windows only. tests/unit/test_installer_scripts.py
; checks the directives this file must keep.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define RunKey "Software\Microsoft\Windows\CurrentVersion\Run"

[Setup]
AppId={{FCFDA83C-8188-4028-BF25-DE44F88A8076}
AppName=Cuecards
AppVersion={#AppVersion}
AppPublisher=Cuecards
AppPublisherURL=https://cuecards.example
AppComments=Tips for the app you are working in, at the moment you need them
; Per user, no elevation: %LOCALAPPDATA%\Programs\Cuecards (the same place as {userpf}).
PrivilegesRequired=lowest
DefaultDirName={localappdata}\Programs\Cuecards
DisableDirPage=auto
DefaultGroupName=Cuecards
DisableProgramGroupPage=yes
UninstallDisplayIcon={app}\cuecardsw.exe
UninstallDisplayName=Cuecards
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; An upgrade closes the running tray app first (Restart Manager) and starts it again.
CloseApplications=yes
RestartApplications=no
OutputDir=..\..\dist
OutputBaseFilename=Cuecards-Setup-{#AppVersion}
Compression=lzma2
SolidCompression=yes
WizardStyle=modern

[Tasks]
Name: "autostart"; Description: "Start Cuecards when I sign in"; GroupDescription: "Start-up:"

[Files]
Source: "..\..\dist\cuecards\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Cuecards"; Filename: "{app}\cuecardsw.exe"; Parameters: "run"; Comment: "Tips at the moment of need"
Name: "{group}\Search cards"; Filename: "{app}\cuecardsw.exe"; Parameters: "palette"; Comment: "Open the Cuecards search"

[Registry]
; The same value the app writes for ui.autostart (app\desktop\autostart.py).
Root: HKCU; Subkey: "{#RunKey}"; ValueType: string; ValueName: "Cuecards"; ValueData: """{app}\cuecardsw.exe"" run"; Flags: uninsdeletevalue; Tasks: autostart

[Run]
; Without the task, record the person's choice: the installed app would otherwise turn its
; default (start at login) on at its first start.
Filename: "{app}\cuecards.exe"; Parameters: "config set ui.autostart false"; Flags: runhidden; Tasks: not autostart
Filename: "{app}\cuecardsw.exe"; Parameters: "run"; Description: "Start Cuecards now"; Flags: nowait postinstall skipifsilent

[UninstallRun]
; Quit a running tray app so its files can be removed.
Filename: "{sys}\taskkill.exe"; Parameters: "/IM cuecardsw.exe /F"; Flags: runhidden; RunOnceId: "StopCuecards"

[UninstallDelete]
Type: filesandordirs; Name: "{app}"

[Code]
function PolicySource(): String;
begin
  Result := ExpandConstant('{param:POLICY|}');
end;

function PolicyTarget(): String;
begin
  Result := ExpandConstant('{commonappdata}\Cuecards\policy.toml');
end;

{ A /POLICY= that names no file stops setup before anything is installed (exit code 1). }
function InitializeSetup(): Boolean;
begin
  Result := True;
  if (PolicySource() <> '') and not FileExists(PolicySource()) then
  begin
    SuppressibleMsgBox('The policy file ' + PolicySource() + ' does not exist.' + #13#10 +
      'Give /POLICY= the full path of a policy.toml.', mbCriticalError, MB_OK, IDOK);
    Result := False;
  end;
end;

{ Place the admin policy where the app reads it: %ProgramData%\Cuecards\policy.toml. }
procedure CurStepChanged(CurStep: TSetupStep);
begin
  if (CurStep = ssPostInstall) and (PolicySource() <> '') then
  begin
    if not ForceDirectories(ExtractFileDir(PolicyTarget())) or
       not FileCopy(PolicySource(), PolicyTarget(), False) then
      SuppressibleMsgBox('Could not copy the policy to ' + PolicyTarget() + '.',
        mbError, MB_OK, IDOK)
    else
      Log('Policy placed at ' + PolicyTarget());
  end;
end;

{ The Run value may have been written by the app (ui.autostart) rather than by the task. }
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if CurUninstallStep = usPostUninstall then
  begin
    RegDeleteValue(HKEY_CURRENT_USER, '{#RunKey}', 'Cuecards');
    SuppressibleMsgBox('Cuecards was removed.' + #13#10 + #13#10 +
      'Your settings, installed packs and usage log are kept in ' +
      ExpandConstant('{localappdata}\cuecards') + '; delete that folder to remove them. ' +
      'An upload secret, if one was stored, is in Windows Credential Manager under "cuecards". ' +
      'An admin policy in ' + PolicyTarget() + ' is left for your administrator.',
      mbInformation, MB_OK, IDOK);
  end;
end;
