import re, sys, glob, statistics, os
D = sys.argv[1]
N = int(sys.argv[2])
def parse_persistence(path):
    rows = {}
    scen = None
    for line in open(path):
        if line.startswith('## '):
            scen = line[3:].strip()
        m = re.match(r'\| (elasticq [^|]+?) \| ([\d,]+) \|', line)
        if m and scen and 'Ratios' not in scen:
            eps = float(m.group(2).replace(',', ''))
            cpu = re.search(r'process CPU ([\d.]+) µs/event', line)
            rows[(scen, m.group(1))] = (eps, float(cpu.group(1)) if cpu else None)
    return rows
def parse_durable(path):
    rows = {}
    for line in open(path):
        m = re.match(r'\| (every-write|no-sync) \| (\d+) \| ([^|]+?) \| [^|]+ \| ([\d,]+) \|', line)
        if m:
            impl = 'DurableMailbox' if 'ElasticQ' in m.group(3) else 'reliable delivery'
            rows[(m.group(1), m.group(2) + ' inboxes', impl)] = (float(m.group(4).replace(',', '')), None)
    return rows
def table(kind, parse, cols):
    data = {}
    for i in range(1, N + 1):
        for w in ('old', 'new'):
            p = f'{D}/{kind}-{w}-{i}.md'
            if os.path.exists(p):
                for k, v in parse(p).items():
                    data.setdefault(k, {}).setdefault(w, {})[i] = v
    out = []
    out.append('| ' + ' | '.join(cols) + ' | rounds | old median | new median | new / old (median of the rounds\' ratios) | rounds new higher |' + (' CPU µs/event old → new |' if kind == 'persistence' else ''))
    out.append('|' + '---|' * len(cols) + '---:|---:|---:|---:|---:|' + ('---:|' if kind == 'persistence' else ''))
    for k, v in data.items():
        rounds = sorted(set(v.get('old', {})) & set(v.get('new', {})))
        if not rounds:
            continue
        o = [v['old'][i][0] for i in rounds]; n = [v['new'][i][0] for i in rounds]
        ratios = [v['new'][i][0] / v['old'][i][0] for i in rounds]
        higher = sum(1 for r in ratios if r > 1)
        row = '| ' + ' | '.join(k) + f' | {len(rounds)} | {statistics.median(o):,.0f} | {statistics.median(n):,.0f} | {statistics.median(ratios):.3f} | {higher} of {len(rounds)} |'
        if kind == 'persistence':
            co = [v['old'][i][1] for i in rounds if v['old'][i][1] is not None]
            cn = [v['new'][i][1] for i in rounds if v['new'][i][1] is not None]
            row += f' {statistics.median(co):.2f} → {statistics.median(cn):.2f} |' if co and cn else ' - |'
        out.append(row)
    return '\n'.join(out)
print(table('persistence', parse_persistence, ['scenario', 'journal']))
print()
print(table('durable', parse_durable, ['sync mode', 'inboxes', 'implementation']))
