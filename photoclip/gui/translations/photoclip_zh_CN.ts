<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AlbumDialog</name>
    <message>
        <location filename="../dialogs.py" line="46"/>
        <source>Edit album</source>
        <translation>编辑相册</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="46"/>
        <source>New smart album</source>
        <translation>新建智能相册</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="55"/>
        <source>Start from scratch</source>
        <translation>从空白开始</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="60"/>
        <source>Starter album</source>
        <translation>预设相册</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="64"/>
        <source>one description per line, e.g. a receipt</source>
        <translation>每行一个描述，例如：收据</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="66"/>
        <source>what does not belong, e.g. a screenshot</source>
        <translation>不属于此相册的内容，例如：截图</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="70"/>
        <source>calibrate automatically</source>
        <translation>自动校准</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="86"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="87"/>
        <source>Prompts</source>
        <translation>描述</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="88"/>
        <source>Not these</source>
        <translation>排除</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="91"/>
        <source>words, comma-separated, e.g. total, 合计, 发票</source>
        <translation>用逗号分隔的词，例如：合计, 发票, 小计</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="93"/>
        <source>Text contains any of</source>
        <translation>文字包含以下任一词</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="96"/>
        <source>names, comma-separated: only photos with all of them</source>
        <translation>名字，用逗号分隔：只收入他们都在的照片</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="98"/>
        <source>With these people</source>
        <translation>包含这些人</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="102"/>
        <source>Threshold</source>
        <translation>阈值</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="103"/>
        <source>Members</source>
        <translation>成员</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="105"/>
        <source>Borderline</source>
        <translation>临界照片</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="161"/>
        <source>type at least one prompt</source>
        <translation>请至少输入一条描述</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="201"/>
        <source>{0} photos at threshold {1}</source>
        <translation>阈值 {1} 时共 {0} 张照片</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="245"/>
        <location filename="../dialogs.py" line="248"/>
        <location filename="../dialogs.py" line="265"/>
        <source>in</source>
        <translation>入选</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="245"/>
        <location filename="../dialogs.py" line="248"/>
        <source>out</source>
        <translation>落选</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="247"/>
        <source>{0}
score {1} — click to put it {2}</source>
        <translation>{0}
分数 {1} —— 点击设为{2}</translation>
    </message>
</context>
<context>
    <name>CompareDialog</name>
    <message>
        <location filename="../compare.py" line="133"/>
        <source>Compare</source>
        <translation>比较</translation>
    </message>
</context>
<context>
    <name>ComparePane</name>
    <message>
        <location filename="../compare.py" line="72"/>
        <source>Actual size (100%)</source>
        <translation>实际大小（100%）</translation>
    </message>
    <message>
        <location filename="../compare.py" line="83"/>
        <source>Kept</source>
        <translation>保留</translation>
    </message>
    <message>
        <location filename="../compare.py" line="83"/>
        <source>Look-alike</source>
        <translation>相似照片</translation>
    </message>
    <message>
        <location filename="../compare.py" line="88"/>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <location filename="../compare.py" line="96"/>
        <source>cannot show this file</source>
        <translation>无法显示此文件</translation>
    </message>
</context>
<context>
    <name>DuplicatesDialog</name>
    <message>
        <location filename="../duplicates.py" line="31"/>
        <source>Duplicates</source>
        <translation>重复照片</translation>
    </message>
    <message>
        <location filename="../duplicates.py" line="35"/>
        <source>Looking for duplicates…</source>
        <translation>正在查找重复照片…</translation>
    </message>
    <message>
        <location filename="../duplicates.py" line="37"/>
        <source>Photo</source>
        <translation>照片</translation>
    </message>
    <message>
        <location filename="../duplicates.py" line="37"/>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location filename="../duplicates.py" line="37"/>
        <source>Similarity</source>
        <translation>相似度</translation>
    </message>
    <message>
        <location filename="../duplicates.py" line="37"/>
        <source>What it is</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../duplicates.py" line="46"/>
        <location filename="../duplicates.py" line="169"/>
        <source>Move checked to trash…</source>
        <translation>将勾选的移到废纸篓…</translation>
    </message>
    <message>
        <location filename="../duplicates.py" line="77"/>
        <source>Exact copies ({0})</source>
        <translation>完全相同的副本（{0}）</translation>
    </message>
    <message>
        <location filename="../duplicates.py" line="78"/>
        <source>Look alike ({0}): compare before you tick (double-click a photo)</source>
        <translation>看起来相同（{0}）：勾选前请先比较（双击照片）</translation>
    </message>
    <message>
        <location filename="../duplicates.py" line="84"/>
        <source>kept</source>
        <translation>保留</translation>
    </message>
    <message>
        <location filename="../duplicates.py" line="84"/>
        <source>link, frees nothing</source>
        <translation>链接，不释放空间</translation>
    </message>
    <message>
        <location filename="../duplicates.py" line="85"/>
        <source>same bytes</source>
        <translation>字节相同</translation>
    </message>
    <message>
        <location filename="../duplicates.py" line="85"/>
        <source>looks the same</source>
        <translation>看起来相同</translation>
    </message>
    <message>
        <location filename="../duplicates.py" line="110"/>
        <source>{0} groups; {1} extra copies ({2}). The best copy of each group (largest, then oldest) is kept. Only byte-identical copies are ticked; tick a look-alike yourself once you have compared it.</source>
        <translation>{0} 组；{1} 个多余副本（{2}）。每组保留最佳副本（最大的，其次最早的）。只有字节完全相同的副本会被预先勾选；看起来相同的照片请比较后自行勾选。</translation>
    </message>
    <message>
        <location filename="../duplicates.py" line="112"/>
        <source>No duplicates.</source>
        <translation>没有重复照片。</translation>
    </message>
    <message>
        <location filename="../duplicates.py" line="169"/>
        <source>Move {0} to trash…</source>
        <translation>将 {0} 张移到废纸篓…</translation>
    </message>
    <message>
        <location filename="../duplicates.py" line="175"/>
        <location filename="../duplicates.py" line="188"/>
        <source>Move to trash</source>
        <translation>移到废纸篓</translation>
    </message>
    <message>
        <location filename="../duplicates.py" line="176"/>
        <source>Move {0} photos to the system trash? The best copy of each group stays; the trash can restore them.</source>
        <translation>要将 {0} 张照片移到系统废纸篓吗？每组的最佳副本会保留；可以从废纸篓中恢复。</translation>
    </message>
    <message>
        <location filename="../duplicates.py" line="188"/>
        <source>{0} photos were left where they are:</source>
        <translation>{0} 张照片未被移动：</translation>
    </message>
</context>
<context>
    <name>FailuresDialog</name>
    <message>
        <location filename="../dialogs.py" line="302"/>
        <source>Skipped files ({0})</source>
        <translation>跳过的文件（{0}）</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="304"/>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="304"/>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
</context>
<context>
    <name>LibraryActions</name>
    <message>
        <location filename="../actions.py" line="47"/>
        <source>Find similar</source>
        <translation>查找相似照片</translation>
    </message>
    <message>
        <location filename="../actions.py" line="49"/>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <location filename="../actions.py" line="50"/>
        <source>Show in folder</source>
        <translation>在文件夹中显示</translation>
    </message>
    <message>
        <location filename="../actions.py" line="51"/>
        <source>Copy path</source>
        <translation>复制路径</translation>
    </message>
    <message>
        <location filename="../actions.py" line="51"/>
        <source>Copy {0} paths</source>
        <translation>复制 {0} 个路径</translation>
    </message>
    <message>
        <location filename="../actions.py" line="53"/>
        <source>Copy text</source>
        <translation>复制文字</translation>
    </message>
    <message>
        <location filename="../actions.py" line="55"/>
        <source>Belongs in album…</source>
        <translation>属于相册…</translation>
    </message>
    <message>
        <location filename="../actions.py" line="60"/>
        <source>Doesn&apos;t belong in {0}</source>
        <translation>不属于{0}</translation>
    </message>
    <message>
        <location filename="../actions.py" line="78"/>
        <source>Copied {0} lines of text</source>
        <translation>已复制 {0} 行文字</translation>
    </message>
    <message>
        <location filename="../actions.py" line="80"/>
        <source>No text has been read in this photo</source>
        <translation>这张照片里没有读到文字</translation>
    </message>
    <message>
        <location filename="../actions.py" line="81"/>
        <source>The text of this photo has not been read yet</source>
        <translation>这张照片的文字还没有读取</translation>
    </message>
    <message>
        <location filename="../actions.py" line="117"/>
        <source>Add a photo folder</source>
        <translation>添加照片文件夹</translation>
    </message>
    <message>
        <location filename="../actions.py" line="143"/>
        <source>Copy the photos of {0} into</source>
        <translation>将 {0} 的照片复制到</translation>
    </message>
    <message>
        <location filename="../actions.py" line="147"/>
        <source>exported {0} photos to {1}, {2} were already there</source>
        <translation>已将 {0} 张照片导出到 {1}，{2} 张已存在</translation>
    </message>
    <message>
        <location filename="../actions.py" line="149"/>
        <source>; {0} skipped ({1})</source>
        <translation>；跳过 {0} 张（{1}）</translation>
    </message>
    <message>
        <location filename="../actions.py" line="162"/>
        <source>Stop reading the text in photos and delete all text read so far?</source>
        <translation>停止读取照片中的文字，并删除已读取的全部文字？</translation>
    </message>
    <message>
        <location filename="../actions.py" line="169"/>
        <source>Stop finding faces and delete every face and person, with the names you gave?</source>
        <translation>停止识别人脸，并删除所有人脸和人物（包括你起的名字）？</translation>
    </message>
    <message>
        <location filename="../actions.py" line="178"/>
        <source>Choose the folder for the albums&apos; sidecars; they are not written until you do.</source>
        <translation>请选择存放相册附属文件（sidecar）的文件夹；选好之前不会写入。</translation>
    </message>
    <message>
        <location filename="../actions.py" line="198"/>
        <source>Re-encode the library with {0}? Photos are re-encoded in the background; the vectors of {1} are kept, so switching back is free.</source>
        <translation>要用 {0} 重新编码图库吗？照片会在后台重新编码；{1} 的向量会保留，切换回来无需重新编码。</translation>
    </message>
    <message>
        <location filename="../actions.py" line="206"/>
        <source>Re-encoding {0} photos for the new model in the background; searches use the current model until it is done.</source>
        <translation>正在后台用新模型重新编码 {0} 张照片；完成之前搜索仍使用当前模型。</translation>
    </message>
    <message>
        <location filename="../actions.py" line="212"/>
        <source>The library keeps its current model. {0}</source>
        <translation>照片库保留当前模型。{0}</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../window.py" line="45"/>
        <source>{0} s</source>
        <translation>{0} 秒</translation>
    </message>
    <message>
        <location filename="../window.py" line="47"/>
        <source>{0} min</source>
        <translation>{0} 分钟</translation>
    </message>
    <message>
        <location filename="../window.py" line="48"/>
        <source>{0} h {1} min</source>
        <translation>{0} 小时 {1} 分钟</translation>
    </message>
    <message>
        <location filename="../window.py" line="110"/>
        <source>Describe a photo, e.g. dog on a beach at sunset   (Ctrl+F)</source>
        <translation>描述一张照片，例如：日落时海滩上的狗   (Ctrl+F)</translation>
    </message>
    <message>
        <location filename="../window.py" line="116"/>
        <source>Add folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <location filename="../window.py" line="116"/>
        <source>New album…</source>
        <translation>新建相册…</translation>
    </message>
    <message>
        <location filename="../window.py" line="117"/>
        <source>Duplicates…</source>
        <translation>重复照片…</translation>
    </message>
    <message>
        <location filename="../window.py" line="117"/>
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <location filename="../window.py" line="141"/>
        <source>Use a model folder…</source>
        <translation>使用模型文件夹…</translation>
    </message>
    <message>
        <location filename="../window.py" line="145"/>
        <source>Switch to {0}</source>
        <translation>切换到{0}</translation>
    </message>
    <message>
        <location filename="../window.py" line="148"/>
        <source>Resume the download</source>
        <translation>继续下载</translation>
    </message>
    <message>
        <location filename="../window.py" line="171"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../window.py" line="192"/>
        <source>Best match first</source>
        <translation>最匹配优先</translation>
    </message>
    <message>
        <location filename="../window.py" line="193"/>
        <source>Newest first</source>
        <translation>最新优先</translation>
    </message>
    <message>
        <location filename="../window.py" line="209"/>
        <location filename="../window.py" line="313"/>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location filename="../window.py" line="213"/>
        <location filename="../window.py" line="302"/>
        <source>model: loading…</source>
        <translation>模型：加载中…</translation>
    </message>
    <message>
        <location filename="../window.py" line="238"/>
        <source>{0} This window shows and changes the library through it.</source>
        <translation>{0} 此窗口通过它显示和更改照片库。</translation>
    </message>
    <message>
        <location filename="../window.py" line="282"/>
        <source> · about {0} left</source>
        <translation> · 约剩 {0}</translation>
    </message>
    <message>
        <location filename="../window.py" line="283"/>
        <source>Re-encoding {0} of {1} photos for the new model · {2} a second</source>
        <translation>正在为新模型重新编码第 {0} / {1} 张照片 · 每秒 {2} 张</translation>
    </message>
    <message>
        <location filename="../window.py" line="284"/>
        <source>Indexing {0} of {1} photos · {2} a second</source>
        <translation>正在索引第 {0} / {1} 张照片 · 每秒 {2} 张</translation>
    </message>
    <message>
        <location filename="../window.py" line="287"/>
        <source>Finding faces: {0} to go</source>
        <translation>正在识别人脸：还剩 {0} 张</translation>
    </message>
    <message>
        <location filename="../window.py" line="290"/>
        <source>Finding the scenes in videos: {0} to go</source>
        <translation>正在查找视频中的场景：还剩 {0} 个</translation>
    </message>
    <message>
        <location filename="../window.py" line="293"/>
        <source>Reading the text in photos: {0} to go</source>
        <translation>正在读取照片中的文字：还剩 {0} 张</translation>
    </message>
    <message>
        <location filename="../window.py" line="306"/>
        <location filename="../window.py" line="316"/>
        <source>Indexing paused</source>
        <translation>索引已暂停</translation>
    </message>
    <message>
        <location filename="../window.py" line="308"/>
        <source>Waiting for the model</source>
        <translation>正在等待模型</translation>
    </message>
    <message>
        <location filename="../window.py" line="288"/>
        <location filename="../window.py" line="291"/>
        <location filename="../window.py" line="294"/>
        <location filename="../window.py" line="307"/>
        <source>Library is current</source>
        <translation>图库已是最新</translation>
    </message>
    <message>
        <location filename="../window.py" line="313"/>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <location filename="../window.py" line="319"/>
        <source>The photoclip watch that kept this library stopped; open photoclip again to go on.</source>
        <translation>管理此照片库的 photoclip watch 已停止；请重新打开 photoclip 以继续。</translation>
    </message>
    <message>
        <location filename="../window.py" line="363"/>
        <source>All photos</source>
        <translation>全部照片</translation>
    </message>
    <message>
        <location filename="../window.py" line="363"/>
        <source>Folder: {0}</source>
        <translation>文件夹：{0}</translation>
    </message>
    <message>
        <location filename="../window.py" line="363"/>
        <source>Album: {0}</source>
        <translation>相册：{0}</translation>
    </message>
    <message>
        <location filename="../window.py" line="364"/>
        <source>Search: {0}</source>
        <translation>搜索：{0}</translation>
    </message>
    <message>
        <location filename="../window.py" line="364"/>
        <source>Similar to {0}</source>
        <translation>与 {0} 相似</translation>
    </message>
    <message>
        <location filename="../window.py" line="414"/>
        <source>No clear matches for “{0}” — showing the {1} closest photos</source>
        <translation>没有明确匹配“{0}”的照片——显示最接近的 {1} 张</translation>
    </message>
    <message>
        <location filename="../window.py" line="416"/>
        <source>Show {0} less relevant</source>
        <translation>显示另外 {0} 张相关度较低的照片</translation>
    </message>
</context>
<context>
    <name>ModelState</name>
    <message>
        <location filename="../modelstate.py" line="97"/>
        <source>Loading the model… (the first run downloads it once, about {0} MB)</source>
        <translation>正在加载模型…（首次运行需下载一次，约 {0} MB）</translation>
    </message>
    <message>
        <location filename="../modelstate.py" line="98"/>
        <source>Loading the model… (the first run downloads it once)</source>
        <translation>正在加载模型…（首次运行需下载一次）</translation>
    </message>
    <message>
        <location filename="../modelstate.py" line="101"/>
        <source>model: {0} (in the running photoclip watch)</source>
        <translation>模型：{0}（在正在运行的 photoclip watch 中）</translation>
    </message>
    <message>
        <location filename="../modelstate.py" line="116"/>
        <source>model: {0} on {1}</source>
        <translation>模型：{0}（{1}）</translation>
    </message>
    <message>
        <location filename="../modelstate.py" line="120"/>
        <source>Waiting for the model</source>
        <translation>正在等待模型</translation>
    </message>
    <message>
        <location filename="../modelstate.py" line="121"/>
        <source>Library is current</source>
        <translation>图库已是最新</translation>
    </message>
    <message>
        <location filename="../modelstate.py" line="153"/>
        <source>Try again</source>
        <translation>重试</translation>
    </message>
    <message>
        <location filename="../modelstate.py" line="163"/>
        <source>photoclip needs to download its model ({0}, about {1} MB) once, and cannot reach the internet now. Connect and try again, or use a folder that holds the model.</source>
        <translation>photoclip 需要下载一次模型（{0}，约 {1} MB），但现在无法连接互联网。请联网后重试，或使用存有该模型的文件夹。</translation>
    </message>
    <message>
        <location filename="../modelstate.py" line="166"/>
        <source>photoclip needs to download its model ({0}) once, and cannot reach the internet now. Connect and try again, or use a folder that holds the model.</source>
        <translation>photoclip 需要下载一次模型（{0}），但现在无法连接互联网。请联网后重试，或使用存有该模型的文件夹。</translation>
    </message>
    <message>
        <location filename="../modelstate.py" line="169"/>
        <source>The model folder {0} does not exist or holds no model. Choose a folder that holds one.</source>
        <translation>模型文件夹 {0} 不存在或其中没有模型。请选择存有模型的文件夹。</translation>
    </message>
    <message>
        <location filename="../modelstate.py" line="172"/>
        <source>The model&apos;s files arrived damaged and were thrown away. Try again to fetch them anew.</source>
        <translation>下载的模型文件已损坏并已丢弃。请重试以重新下载。</translation>
    </message>
    <message>
        <location filename="../modelstate.py" line="176"/>
        <source>There is no model called {0}. Choose another one in Settings.</source>
        <translation>没有名为 {0} 的模型。请在设置中选择其他模型。</translation>
    </message>
    <message>
        <location filename="../modelstate.py" line="177"/>
        <source>The model {0} could not be loaded. Point at the message for the details, or use a folder that holds the model.</source>
        <translation>无法加载模型 {0}。将鼠标指向此消息可查看详情，或使用存有该模型的文件夹。</translation>
    </message>
    <message>
        <location filename="../modelstate.py" line="184"/>
        <source>Loading the model {0} was cancelled.</source>
        <translation>已取消加载模型 {0}。</translation>
    </message>
    <message>
        <location filename="../modelstate.py" line="138"/>
        <location filename="../modelstate.py" line="149"/>
        <source>model: not loaded</source>
        <translation>模型：未加载</translation>
    </message>
    <message>
        <location filename="../modelstate.py" line="91"/>
        <source>Downloading the model: {0} of {1} MB · {2} MB/s</source>
        <translation>正在下载模型：{0} / {1} MB · {2} MB/秒</translation>
    </message>
    <message>
        <location filename="../modelstate.py" line="139"/>
        <source>Resume the download</source>
        <translation>继续下载</translation>
    </message>
    <message>
        <location filename="../modelstate.py" line="140"/>
        <source>The download of the model is paused at {0} of {1} MB; it goes on from there when you resume it, also after a restart.</source>
        <translation>模型下载已在 {0} / {1} MB 处暂停；继续时（包括重新启动后）会从这里接着下载。</translation>
    </message>
    <message>
        <location filename="../modelstate.py" line="203"/>
        <source>The model in use understands English only, so “{0}” is read as meaningless text and these results may be nonsense. A multilingual model reads it.</source>
        <translation>当前模型只懂英文，因此“{0}”会被当作无意义的文字，这些结果可能毫无意义。多语言模型可以读懂它。</translation>
    </message>
    <message>
        <location filename="../modelstate.py" line="212"/>
        <source>Folder with open_clip_config.json</source>
        <translation>包含 open_clip_config.json 的文件夹</translation>
    </message>
    <message>
        <location filename="../modelstate.py" line="218"/>
        <source>The model folder is saved; restart photoclip to use it.</source>
        <translation>模型文件夹已保存；重新启动 photoclip 后生效。</translation>
    </message>
</context>
<context>
    <name>PeopleMixin</name>
    <message>
        <location filename="../people.py" line="69"/>
        <location filename="../people.py" line="111"/>
        <source>People</source>
        <translation>人物</translation>
    </message>
    <message>
        <location filename="../people.py" line="74"/>
        <location filename="../people.py" line="129"/>
        <source>{0} photos</source>
        <translation>{0} 张照片</translation>
    </message>
    <message>
        <location filename="../people.py" line="78"/>
        <source>Unsorted faces ({0})</source>
        <translation>未归类的人脸（{0}）</translation>
    </message>
    <message>
        <location filename="../people.py" line="151"/>
        <source>Person {0}</source>
        <translation>人物 {0}</translation>
    </message>
    <message>
        <location filename="../people.py" line="169"/>
        <source>Name…</source>
        <translation>命名…</translation>
    </message>
    <message>
        <location filename="../people.py" line="169"/>
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <location filename="../people.py" line="173"/>
        <source>Merge into…</source>
        <translation>合并到…</translation>
    </message>
    <message>
        <location filename="../people.py" line="174"/>
        <source>Hide</source>
        <translation>隐藏</translation>
    </message>
    <message>
        <location filename="../people.py" line="178"/>
        <source>Name this person</source>
        <translation>为此人命名</translation>
    </message>
    <message>
        <location filename="../people.py" line="183"/>
        <source>Merge</source>
        <translation>合并</translation>
    </message>
    <message>
        <location filename="../people.py" line="183"/>
        <source>These photos show the same person as:</source>
        <translation>这些照片中的人与下面这位是同一人：</translation>
    </message>
    <message>
        <location filename="../people.py" line="190"/>
        <source>This is…</source>
        <translation>这是…</translation>
    </message>
</context>
<context>
    <name>PhotoModel</name>
    <message>
        <location filename="../grid.py" line="60"/>
        <source>LIVE</source>
        <translation>实况</translation>
    </message>
    <message>
        <location filename="../grid.py" line="66"/>
        <source>Date unknown</source>
        <translation>日期未知</translation>
    </message>
    <message>
        <location filename="../grid.py" line="260"/>
        <source>match {0}</source>
        <translation>匹配度 {0}</translation>
    </message>
    <message>
        <location filename="../grid.py" line="264"/>
        <source>best match at {0}</source>
        <translation>最匹配处 {0}</translation>
    </message>
</context>
<context>
    <name>PlacesMixin</name>
    <message>
        <location filename="../places.py" line="38"/>
        <source>Places</source>
        <translation>地点</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../dialogs.py" line="318"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="322"/>
        <source>default ({0})</source>
        <translation>默认（{0}）</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="326"/>
        <source>Other model (type it below)</source>
        <translation>其他模型（在下方输入）</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="328"/>
        <source>many languages</source>
        <translation>多语言</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="328"/>
        <source>English only</source>
        <translation>仅英文</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="329"/>
        <source>{0} photos/s on a 2-core CPU</source>
        <translation>双核 CPU 每秒 {0} 张</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="330"/>
        <source>needs a GPU</source>
        <translation>需要 GPU</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="339"/>
        <source>As the system (now: {0})</source>
        <translation>跟随系统（当前：{0}）</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="342"/>
        <source>Model folder…</source>
        <translation>模型文件夹…</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="349"/>
        <source>automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="352"/>
        <source>one folder per line</source>
        <translation>每行一个文件夹</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="359"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="361"/>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="362"/>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="363"/>
        <source>CPU threads</source>
        <translation>CPU 线程数</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="364"/>
        <source>Excluded folders</source>
        <translation>排除的文件夹</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="367"/>
        <source>Read the text in photos (Chinese and English), so searches find it</source>
        <translation>读取照片中的文字（中文和英文），以便搜索</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="369"/>
        <source>Turning it off deletes all text read so far; turning it on reads it again in the background.</source>
        <translation>关闭会删除已读取的全部文字；重新打开会在后台再次读取。</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="371"/>
        <source>Text in photos</source>
        <translation>照片中的文字</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="372"/>
        <source>Find faces and group them into people, on this computer</source>
        <translation>在本机识别人脸并按人物归组</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="374"/>
        <source>Turning it off deletes every face and person, names included; turning it on finds the faces again in the background.</source>
        <translation>关闭会删除所有人脸和人物（包括名字）；重新打开会在后台再次识别人脸。</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="376"/>
        <source>People</source>
        <translation>人物</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="379"/>
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="379"/>
        <source>As keywords in .xmp sidecars beside the photos</source>
        <translation>作为关键词写入照片旁的 .xmp 附属文件</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="381"/>
        <source>As keywords in .xmp sidecars in a folder of their own:</source>
        <translation>作为关键词写入单独文件夹中的 .xmp 附属文件：</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="384"/>
        <source>For digiKam, Lightroom and darktable; the photos themselves are never changed. Off takes back every keyword photoclip wrote.</source>
        <translation>供 digiKam、Lightroom 和 darktable 使用；照片本身从不改动。关闭会收回 photoclip 写入的所有关键词。</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="387"/>
        <source>a folder outside the library</source>
        <translation>图库之外的文件夹</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="388"/>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="426"/>
        <source>Folder for the albums&apos; sidecars</source>
        <translation>相册附属文件的文件夹</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="405"/>
        <source>A new model re-encodes the library in the background (after you confirm).
Language, device and thread changes apply the next time photoclip starts.</source>
        <translation>更换模型后，图库会在后台重新编码（需先确认）。
语言、设备和线程数的更改在下次启动 photoclip 时生效。</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="399"/>
        <source>Albums and people for other apps</source>
        <translation>供其他应用使用的相册和人物</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="410"/>
        <source>Folder with open_clip_config.json</source>
        <translation>包含 open_clip_config.json 的文件夹</translation>
    </message>
</context>
<context>
    <name>SidebarMixin</name>
    <message>
        <location filename="../sidebar.py" line="49"/>
        <source>All photos</source>
        <translation>全部照片</translation>
    </message>
    <message>
        <location filename="../sidebar.py" line="53"/>
        <source>Folders</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <location filename="../sidebar.py" line="58"/>
        <source>  (offline)</source>
        <translation>  （离线）</translation>
    </message>
    <message>
        <location filename="../sidebar.py" line="66"/>
        <source>Smart albums</source>
        <translation>智能相册</translation>
    </message>
    <message>
        <location filename="../sidebar.py" line="78"/>
        <source>Folders offline: {0}</source>
        <translation>离线的文件夹：{0} 个</translation>
    </message>
    <message>
        <location filename="../sidebar.py" line="81"/>
        <source>{0} skipped</source>
        <translation>已跳过 {0} 个</translation>
    </message>
    <message>
        <location filename="../sidebar.py" line="114"/>
        <source>Edit…</source>
        <translation>编辑…</translation>
    </message>
    <message>
        <location filename="../sidebar.py" line="115"/>
        <source>Export (copy)…</source>
        <translation>导出（复制）…</translation>
    </message>
    <message>
        <location filename="../sidebar.py" line="116"/>
        <source>Delete album</source>
        <translation>删除相册</translation>
    </message>
    <message>
        <location filename="../sidebar.py" line="120"/>
        <source>Remove from library</source>
        <translation>从图库中移除</translation>
    </message>
    <message>
        <location filename="../sidebar.py" line="122"/>
        <source>Add folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <location filename="../sidebar.py" line="123"/>
        <source>New album…</source>
        <translation>新建相册…</translation>
    </message>
</context>
<context>
    <name>UnsortedFaces</name>
    <message>
        <location filename="../people.py" line="213"/>
        <source>Unsorted faces</source>
        <translation>未归类的人脸</translation>
    </message>
    <message>
        <location filename="../people.py" line="223"/>
        <source>This is…</source>
        <translation>这是…</translation>
    </message>
    <message>
        <location filename="../people.py" line="224"/>
        <source>Not a face</source>
        <translation>不是人脸</translation>
    </message>
    <message>
        <location filename="../people.py" line="270"/>
        <source>{0} faces belong to no one yet. Select the faces of one person, then say who it is.</source>
        <translation>{0} 张人脸尚未归属任何人。选中同一个人的人脸，然后说出是谁。</translation>
    </message>
    <message>
        <location filename="../people.py" line="272"/>
        <source>Every face belongs to someone.</source>
        <translation>每张人脸都已归属某人。</translation>
    </message>
</context>
<context>
    <name>VideoBar</name>
    <message>
        <location filename="../player.py" line="114"/>
        <source>Open in player</source>
        <translation>在播放器中打开</translation>
    </message>
    <message>
        <location filename="../player.py" line="142"/>
        <source>Scenes:</source>
        <translation>场景：</translation>
    </message>
    <message>
        <location filename="../player.py" line="147"/>
        <source>Show the scene at {0}</source>
        <translation>显示 {0} 处的场景</translation>
    </message>
    <message>
        <location filename="../player.py" line="162"/>
        <source>■ Stop</source>
        <translation>■ 停止</translation>
    </message>
    <message>
        <location filename="../player.py" line="162"/>
        <source>▶ Play Live Photo</source>
        <translation>▶ 播放实况照片</translation>
    </message>
    <message>
        <location filename="../player.py" line="165"/>
        <source>❚❚ Pause</source>
        <translation>❚❚ 暂停</translation>
    </message>
    <message>
        <location filename="../player.py" line="165"/>
        <source>▶ Play</source>
        <translation>▶ 播放</translation>
    </message>
</context>
<context>
    <name>Viewer</name>
    <message>
        <location filename="../viewer.py" line="151"/>
        <source>Actual size</source>
        <translation>实际大小</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="152"/>
        <source>Find similar</source>
        <translation>查找相似照片</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="150"/>
        <source>Fit</source>
        <translation>适合窗口</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="127"/>
        <source>Text in the photo</source>
        <translation>照片中的文字</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="130"/>
        <source>Copy text</source>
        <translation>复制文字</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="160"/>
        <source>Previous photo (Left)</source>
        <translation>上一张（左方向键）</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="161"/>
        <source>Next photo (Right)</source>
        <translation>下一张（右方向键）</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="162"/>
        <source>Zoom out (−, or Ctrl and the mouse wheel)</source>
        <translation>缩小（−，或 Ctrl 加鼠标滚轮）</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="163"/>
        <source>Zoom in (+, or Ctrl and the mouse wheel)</source>
        <translation>放大（+，或 Ctrl 加鼠标滚轮）</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="164"/>
        <source>The whole photo in the window (0)</source>
        <translation>整张照片适合窗口（0）</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="165"/>
        <source>Every pixel: 100% (1)</source>
        <translation>显示每个像素：100%（1）</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="270"/>
        <source>Path</source>
        <translation>路径</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="272"/>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="276"/>
        <source>Also</source>
        <translation>另有文件</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="282"/>
        <source>Length</source>
        <translation>时长</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="283"/>
        <source>Scenes</source>
        <translation>场景</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="286"/>
        <source>not sampled yet</source>
        <translation>尚未取样</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="288"/>
        <source>Dimensions</source>
        <translation>尺寸</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="289"/>
        <location filename="../viewer.py" line="291"/>
        <location filename="../viewer.py" line="294"/>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="290"/>
        <source>Date taken</source>
        <translation>拍摄日期</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="293"/>
        <source>Camera</source>
        <translation>相机</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="295"/>
        <source>Lens</source>
        <translation>镜头</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="295"/>
        <source>Focal length</source>
        <translation>焦距</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="301"/>
        <source>Exposure</source>
        <translation>曝光</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="303"/>
        <source>Flash</source>
        <translation>闪光灯</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="303"/>
        <source>fired</source>
        <translation>已闪光</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="304"/>
        <source>did not fire</source>
        <translation>未闪光</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="308"/>
        <source>Location</source>
        <translation>位置</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="313"/>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="313"/>
        <source>Caption</source>
        <translation>说明</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="318"/>
        <source>Rating</source>
        <translation>评分</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="318"/>
        <source>rejected</source>
        <translation>已拒绝</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="321"/>
        <source>Label</source>
        <translation>颜色标签</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="323"/>
        <source>Keywords</source>
        <translation>关键词</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="324"/>
        <source>Albums</source>
        <translation>相册</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="325"/>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="327"/>
        <source>People</source>
        <translation>人物</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="373"/>
        <source>cannot show this file</source>
        <translation>无法显示此文件</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="427"/>
        <source>Person {0}</source>
        <translation>人物 {0}</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="427"/>
        <source>Who is this?</source>
        <translation>这是谁？</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="455"/>
        <source>This is…</source>
        <translation>这是…</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="457"/>
        <source>Not {0}</source>
        <translation>不是{0}</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="459"/>
        <source>Not a face</source>
        <translation>不是人脸</translation>
    </message>
</context>
<context>
    <name>Welcome</name>
    <message>
        <location filename="../welcome.py" line="19"/>
        <source>Chinese, English and about 100 more languages</source>
        <translation>中文、英文及约 100 种其他语言</translation>
    </message>
    <message>
        <location filename="../welcome.py" line="20"/>
        <source>English only</source>
        <translation>仅英文</translation>
    </message>
    <message>
        <location filename="../welcome.py" line="26"/>
        <source>{0} MB</source>
        <translation>{0} MB</translation>
    </message>
    <message>
        <location filename="../welcome.py" line="26"/>
        <source>size unknown</source>
        <translation>大小未知</translation>
    </message>
    <message>
        <location filename="../welcome.py" line="41"/>
        <source>Welcome to photoclip</source>
        <translation>欢迎使用 photoclip</translation>
    </message>
    <message>
        <location filename="../welcome.py" line="42"/>
        <source>Add the folders that hold your photos. photoclip indexes them on this computer — nothing leaves it — and keeps up as they change.</source>
        <translation>添加存放照片的文件夹。photoclip 在这台电脑上为它们建立索引（任何内容都不会离开这台电脑），并随文件夹的变化自动更新。</translation>
    </message>
    <message>
        <location filename="../welcome.py" line="54"/>
        <source>Add my Pictures folder ({0})</source>
        <translation>添加我的图片文件夹（{0}）</translation>
    </message>
    <message>
        <location filename="../welcome.py" line="60"/>
        <source>Choose a folder…</source>
        <translation>选择文件夹…</translation>
    </message>
    <message>
        <location filename="../welcome.py" line="61"/>
        <source>Choose another folder…</source>
        <translation>选择其他文件夹…</translation>
    </message>
    <message>
        <location filename="../welcome.py" line="71"/>
        <source>The model that understands your photos</source>
        <translation>理解照片内容的模型</translation>
    </message>
    <message>
        <location filename="../welcome.py" line="72"/>
        <source>It is downloaded once and then works offline. You can change it later in Settings.</source>
        <translation>只需下载一次，之后即可离线使用。以后可以在“设置”中更换。</translation>
    </message>
</context>
<context>
    <name>models</name>
    <message>
        <location filename="../i18n.py" line="18"/>
        <source>Balanced (multilingual)</source>
        <translation>均衡（多语言）</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="19"/>
        <source>Sharper English, multilingual (SigLIP 2)</source>
        <translation>英文更准，多语言（SigLIP 2）</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="20"/>
        <source>Fast (English only)</source>
        <translation>快速（仅英文）</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="21"/>
        <source>English only (photoclip 0.x default)</source>
        <translation>仅英文（photoclip 0.x 默认）</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="22"/>
        <source>Best quality (GPU)</source>
        <translation>最佳质量（GPU）</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="25"/>
        <source>XLM-RoBERTa text tower (about 100 languages) with a ViT-B/32 image tower; best Chinese retrieval of the fast models</source>
        <translation>XLM-RoBERTa 文本塔（约 100 种语言）配 ViT-B/32 图像塔；快速模型中中文检索最好</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="27"/>
        <source>Gemma tokenizer (many languages); the best English retrieval of the fast models, weaker in Chinese</source>
        <translation>Gemma 分词器（多种语言）；快速模型中英文检索最好，中文较弱</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="29"/>
        <source>the smallest download and the quickest text queries; English only</source>
        <translation>下载最小，文字查询最快；仅英文</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="30"/>
        <source>the previous default: strong English zero-shot, no other language</source>
        <translation>之前的默认模型：英文零样本能力强，不支持其他语言</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="31"/>
        <source>ViT-H/14 with XLM-RoBERTa large: for a machine with a GPU; far too slow to index on a laptop CPU</source>
        <translation>ViT-H/14 配 XLM-RoBERTa large：适合有 GPU 的电脑；在笔记本电脑的 CPU 上建立索引太慢</translation>
    </message>
</context>
<context>
    <name>parent</name>
    <message>
        <location filename="../people.py" line="54"/>
        <source>Who is this? Type a name or pick one:</source>
        <translation>这是谁？输入名字或从列表中选择：</translation>
    </message>
</context>
</TS>
