"""What a hostile test compares before and after: every file under the given roots.

python3 snapshot.py ROOT...  ->  JSON {path: {type, mode, uid, gid, sha256, link, xattrs}}
Symlinks are recorded as links (not followed); regular files with their bytes' sha256.
"""
import hashlib
import json
import os
import stat
import sys


def entry(path):
    st = os.lstat(path)
    out = {"type": "link" if stat.S_ISLNK(st.st_mode) else "dir" if stat.S_ISDIR(st.st_mode) else "file",
           "mode": "%04o" % stat.S_IMODE(st.st_mode), "uid": st.st_uid, "gid": st.st_gid}
    if stat.S_ISLNK(st.st_mode):
        out["link"] = os.readlink(path)
    elif stat.S_ISREG(st.st_mode):
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        out["sha256"] = digest.hexdigest()
    try:
        out["xattrs"] = {k: os.getxattr(path, k, follow_symlinks=False).hex()
                         for k in sorted(os.listxattr(path, follow_symlinks=False))}
    except OSError:
        out["xattrs"] = {}
    return out


found = {}
for root in sys.argv[1:]:
    if not os.path.lexists(root):
        continue
    found[root] = entry(root)
    if os.path.isdir(root) and not os.path.islink(root):
        for base, dirs, files in os.walk(root):
            for name in dirs + files:
                found[os.path.join(base, name)] = entry(os.path.join(base, name))
print(json.dumps(found, sort_keys=True))
