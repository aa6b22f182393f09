; Médianum — Windows installer (Inno Setup 6), from the PyInstaller one-folder build.
;
; NOT EXERCISED BY CI: Inno Setup runs on Windows only. See installer/README.md for the steps.
;
; Build, on Windows, from the repository root, after
;   .venv\Scripts\pyinstaller --noconfirm installer\medianum.spec
; with:
;   iscc /DAppVersion=0.1.0 installer\windows\medianum.iss
;
; - Per machine: installs in Program Files (administrator rights), for every user of the PC.
; - Upgrades in place: the AppId below never changes, so a newer setup replaces the program
;   files of the older one (same folder, same start menu entry). Never change the AppId.
; - The data (database, settings, backups, logs) lives in each user's
;   %LOCALAPPDATA%\Medianum (platformdirs), never in the program folder: installing, upgrading
;   or uninstalling the program never touches it. The uninstaller asks before deleting it, and
;   the default answer keeps it.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "Médianum"
#define BuildDir "..\..\dist\medianum"

[Setup]
AppId={{6F0C9B8E-3D2A-4C71-9E55-2B7A41D0C8F3}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Médianum
DefaultDirName={autopf}\Medianum
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=medianum-{#AppVersion}-setup
; Drawn from resources/icons/medianum.svg by the PyInstaller spec.
SetupIconFile=..\..\build\medianum.ico
UninstallDisplayIcon={app}\medianum.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; An upgrade closes a running Médianum first (its database stays consistent: every write is a
; committed transaction) and does not reopen it on the desk's behalf.
CloseApplications=yes
RestartApplications=no
UsePreviousAppDir=yes

[Languages]
Name: "french"; MessagesFile: "compiler:Languages\French.isl"
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; The previous version's program files are replaced whole, so that a module removed in the new
; version does not linger. {app} holds only program files, never data.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#BuildDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\medianum.exe"
Name: "{group}\Vérifier l'installation de {#AppName}"; Filename: "{cmd}"; Parameters: "/k ""{app}\medianum-console.exe"" self-test"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\medianum.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\medianum.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only what the program itself may have left in its own folder. NOTHING about the data folder
; here: deleting it is asked in [Code] below.
Type: filesandordirs; Name: "{app}\_internal\__pycache__"

[Code]
function DataDir(): String;
begin
  Result := ExpandConstant('{localappdata}\Medianum');
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Answer: Integer;
begin
  if (CurUninstallStep = usPostUninstall) and DirExists(DataDir()) and not UninstallSilent() then
  begin
    Answer := MsgBox(
      'Le programme Médianum a été désinstallé.' + #13#10 + #13#10 +
      'Les données de cet utilisateur sont toujours dans :' + #13#10 + DataDir() + #13#10 +
      '(base de données, sauvegardes, réglages, journaux).' + #13#10 + #13#10 +
      'Voulez-vous SUPPRIMER DÉFINITIVEMENT ces données ?' + #13#10 +
      'Répondez « Non » pour les garder (réinstallation, autre version, archivage).',
      mbConfirmation, MB_YESNO or MB_DEFBUTTON2);
    if Answer = IDYES then
    begin
      if MsgBox('Dernière confirmation : supprimer ' + DataDir() + ' et toutes les données ' +
                'qu''il contient ? Cette action est irréversible.',
                mbCriticalError, MB_YESNO or MB_DEFBUTTON2) = IDYES then
        DelTree(DataDir(), True, True, True);
    end;
  end;
end;
