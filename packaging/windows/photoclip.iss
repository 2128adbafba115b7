; Inno Setup 6 script: photoclip's Windows installer, from the folder PyInstaller made.
;
;   python packaging\build.py                              (freezes, self-tests, then runs this)
;   iscc /DAppVersion=0.1.0 packaging\windows\photoclip.iss  (by hand, after the freeze)
;
; In:  packaging\dist\photoclip\  (photoclip.exe: the command line; photoclip-app.exe: the windowed app)
; Out: packaging\out\photoclip-VERSION-windows-x64-setup.exe
;
; It installs for the current user by default (no administrator prompt; %LOCALAPPDATA%\Programs\photoclip),
; or for all users when run elevated or with /ALLUSERS.  A Start menu entry starts the windowed app; a desktop
; icon is offered.  Uninstalling removes the program only: the library, settings and downloaded models live
; in the per-user folders (%LOCALAPPDATA%\photoclip) and stay, as photos never move.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#define Dist "..\dist\photoclip"

[Setup]
AppId={{5B0F3C2E-9A57-4C1B-8E3D-6F1A2B7C9D40}
AppName=photoclip
AppVersion={#AppVersion}
AppVerName=photoclip {#AppVersion}
AppPublisher=photoclip developers
AppPublisherURL=https://github.com/photoclip/photoclip
AppComments=Find and organise your photos by meaning, on your own computer
DefaultDirName={autopf}\photoclip
DefaultGroupName=photoclip
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog commandline
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\out
OutputBaseFilename=photoclip-{#AppVersion}-windows-x64-setup
SetupIconFile=..\..\resources\photoclip.ico
UninstallDisplayIcon={app}\photoclip-app.exe
UninstallDisplayName=photoclip
Compression=lzma2/max
SolidCompression=yes
LZMAUseSeparateProcess=yes
WizardStyle=modern
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"
; Inno Setup ships its Simplified Chinese messages in some releases and not in others; use them when present
; (the CI workflow fetches them into the compiler's Languages folder).
#if FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#endif

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#Dist}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; An upgrade replaces the program folder's bundled libraries wholesale, so none of an older build's linger.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\photoclip"; Filename: "{app}\photoclip-app.exe"; Comment: "Find and organise your photos by meaning"
Name: "{autodesktop}\photoclip"; Filename: "{app}\photoclip-app.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\photoclip-app.exe"; Description: "{cm:LaunchProgram,photoclip}"; Flags: nowait postinstall skipifsilent
