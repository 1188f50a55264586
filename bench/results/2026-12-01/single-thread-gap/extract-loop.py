import re,sys,subprocess
f=sys.argv[1]; which=int(sys.argv[2])
lines=open(f).read().split('\n')
starts=[i for i,l in enumerate(lines) if l.startswith('Compiled method (c2)')]
s=starts[which]
e=next((i for i in range(s+1,len(lines)) if lines[i].startswith('Compiled method') or lines[i].startswith('[Stub Code]')),len(lines))
code=bytearray(); base=None
for l in lines[s:e]:
    m=re.match(r'\s*0x([0-9a-f]+): ([0-9a-f| ]+)$',l)
    if m and '|' in m.group(2) or (m and re.fullmatch(r'[0-9a-f ]+',m.group(2).strip() or 'x')):
        addr=int(m.group(1),16)
        hx=m.group(2).replace('|','').replace(' ','')
        if not re.fullmatch(r'[0-9a-f]*',hx): continue
        if base is None: base=addr
        code[addr-base:addr-base+len(hx)//2]=bytes.fromhex(hx)
open('/tmp/code.bin','wb').write(code)
print(hex(base),len(code))
out=subprocess.run(['objdump','-D','-b','binary','-mi386:x86-64','-Mintel','--adjust-vma='+hex(base),'/tmp/code.bin'],capture_output=True,text=True).stdout
open(f+'.%d.dis'%which,'w').write(out)
