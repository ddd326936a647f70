"""The interactive report: one self-contained `index.html` next to REPORT.md.

It holds plotly.js (embedded, so the page opens with no network), one JSON block with the
data the figures are computed from, and a small script that draws them:

- per task, the label shares over time of one actor (chosen in a menu), gold and
  cross-fitted predictions, with the article-bootstrap bands and the event markers;
- a compact view of every actor at once: net openness (share open minus share rejecting)
  per actor and period, gold or predicted;
- clicking (or hovering) a point lists the statements behind it: date, speaker, the
  statement in its paragraph, gold label, predicted label with its probability, the
  article's title and source URLs; filters by actor, label, period, gold/predicted, minimum
  model confidence, and a search box over the statement text narrow the list;
- the static figures (model comparison, confusion matrices, calibration, learning curve)
  as embedded PNGs and the results tables of REPORT.md.

The page also reads a selection from its address (`index.html#select=TASK|ACTOR|PERIOD|SOURCE|LABEL`),
which is how the browser test selects a point without a mouse. The data is every gold
statement of the study (a statement's context is cut to 600 characters around it); for the
sample study the file stays under 10 MB, most of it plotly.js.
"""
from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

from stance import atomic
from stance.experiment.report.style import colours_for
from stance.experiment.report.timeline import period_start

CONTEXT_CHARS = 600


def _context(text: str, context: str) -> str:
    """The statement's paragraph, cut to CONTEXT_CHARS around the statement."""
    if not isinstance(context, str) or len(context) <= CONTEXT_CHARS:
        return context if isinstance(context, str) else ""
    at = context.find(text) if isinstance(text, str) else -1
    if at < 0:
        return context[:CONTEXT_CHARS] + " …"
    half = max(0, (CONTEXT_CHARS - len(text)) // 2)
    lo, hi = max(0, at - half), min(len(context), at + len(text) + half)
    return ("… " if lo else "") + context[lo:hi] + (" …" if hi < len(context) else "")


def statement_records(gold: pd.DataFrame, predictions: dict[str, pd.DataFrame], tasks: list[str],
                      period: str) -> list[dict]:
    """One record per gold statement with, per task, its gold label and its cross-fitted prediction."""
    by_task = {t: p.set_index("statement_id") for t, p in predictions.items()}
    periods = period_start(pd.to_datetime(gold["date"]), period).dt.strftime("%Y-%m-%d")
    out = []
    for (_, row), per in zip(gold.iterrows(), periods):
        rec = {"id": row["statement_id"], "a": row["article_id"], "d": str(row["date"])[:10], "p": per,
               "actor": row["actor_id"] if isinstance(row["actor_id"], str) else None,
               "speaker": row.get("speaker") or "", "text": row["text"],
               "context": _context(row["text"], row.get("context"))}
        for task in tasks:
            gold_label = row.get(task)
            cell: dict[str, Any] = {"gold": gold_label if isinstance(gold_label, str) else None, "pred": None,
                                    "prob": None}
            pred = by_task.get(task)
            if pred is not None and row["statement_id"] in pred.index:
                p = pred.loc[row["statement_id"]]
                cell["pred"] = p["pred"]
                probs = p.get("probs")
                if isinstance(probs, dict) and p["pred"] in probs:
                    cell["prob"] = round(float(probs[p["pred"]]), 3)
            rec[task] = cell
        out.append(rec)
    return out


def share_records(shares: pd.DataFrame) -> list[dict]:
    """The label shares of the timelines, compact."""
    return [{"source": r.source, "actor": r.actor_id, "period": str(r.period)[:10], "label": r.label,
             "share": round(float(r.share), 4), "lo": round(float(r.lo), 4), "hi": round(float(r.hi), 4),
             "n": int(r.n_statements)} for r in shares.itertuples()]


def markdown_to_html(md: str) -> str:
    """The subset of Markdown REPORT.md uses: headings, pipe tables, paragraphs, code blocks, bold and code."""
    def inline(s: str) -> str:
        s = html.escape(s)
        s = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", s)
        return re.sub(r"`([^`]+)`", r"<code>\1</code>", s)

    out, lines, i = [], md.splitlines(), 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            out.append("<pre>" + html.escape("\n".join(lines[i + 1:j])) + "</pre>")
            i = j + 1
        elif line.startswith("#"):
            level = min(len(line) - len(line.lstrip("#")) + 1, 6)
            out.append(f"<h{level}>{inline(line.lstrip('#').strip())}</h{level}>")
            i += 1
        elif line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                if not all(set(c) <= set("-: ") for c in cells):
                    rows.append(cells)
                i += 1
            head, body = rows[0], rows[1:]
            out.append('<div class="tablewrap"><table><thead><tr>' + "".join(f"<th>{inline(c)}</th>" for c in head)
                       + "</tr></thead><tbody>"
                       + "".join("<tr>" + "".join(f"<td>{inline(c)}</td>" for c in r) + "</tr>" for r in body)
                       + "</tbody></table></div>")
        elif line.startswith("!["):
            i += 1  # figures are embedded separately
        elif line.strip():
            para = [line]
            i += 1
            while i < len(lines) and lines[i].strip() and not lines[i].startswith(("#", "|", "```", "![")):
                para.append(lines[i])
                i += 1
            out.append(f"<p>{inline(' '.join(para))}</p>")
        else:
            i += 1
    return "\n".join(out)


def _png(path: Path) -> str | None:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii") if path.exists() else None


def write_html(out_dir: Path, title: str, tasks: list[str], labels: dict[str, list[str]],
               actors: list[tuple[str, str]], events: list[tuple[str, str]], shares: dict[str, pd.DataFrame],
               statements: list[dict], articles: dict[str, dict], report_md: str,
               figures: dict[str, Path], models: dict[str, str]) -> Path:
    """Write `out_dir/index.html` (self-contained) and return its path."""
    from plotly.offline import get_plotlyjs

    data = {"title": title, "tasks": tasks, "labels": labels, "actors": actors, "events": events,
            "colours": {lab: c for t in tasks for lab, c in colours_for(labels[t]).items()},
            "models": models, "shares": {t: share_records(shares[t]) for t in tasks},
            "statements": statements, "articles": articles}
    blob = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).replace("</", "<\\/")
    figs = "".join(f'<figure><img alt="{html.escape(name)}" src="{src}"><figcaption>{html.escape(name)}'
                   f"</figcaption></figure>" for name, path in figures.items() if (src := _png(path)))
    page = (_TEMPLATE.replace("__TITLE__", html.escape(title))
            .replace("__PLOTLY__", get_plotlyjs())
            .replace("__DATA__", blob)
            .replace("__FIGURES__", figs)
            .replace("__REPORT__", markdown_to_html(report_md)))
    path = out_dir / "index.html"
    atomic.write_text(path, page)
    return path


_TEMPLATE = r"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1200px;padding:0 12px;color:#222}
h1{font-size:1.5em} h2{font-size:1.2em;margin-top:1.6em} .row{display:flex;flex-wrap:wrap;gap:8px;align-items:center}
label{font-size:.9em} select,input{font-size:.9em;padding:2px 4px}
.plot{width:100%;max-width:100%;min-height:380px;overflow:hidden} #statements{margin-top:8px}
.stmt{border-top:1px solid #ddd;padding:6px 0;font-size:.9em} .stmt .meta{color:#555}
.stmt .text{background:#fff3b0} .tag{display:inline-block;padding:0 5px;border-radius:3px;color:#fff;font-size:.85em}
table{border-collapse:collapse;font-size:.8em;margin:6px 0} .tablewrap{max-width:100%;overflow-x:auto}
pre{max-width:100%;overflow-x:auto}
td,th{border:1px solid #ccc;padding:2px 5px;text-align:left} figure{margin:8px 0} figure img{max-width:100%}
#js-errors:empty{display:none} #js-errors{color:#b00;white-space:pre-wrap}
</style>
<script>window.__errors=[];window.addEventListener("error",function(e){window.__errors.push(String(e.message));
var el=document.getElementById("js-errors");if(el){el.textContent=window.__errors.join("\n");}});</script>
<script>__PLOTLY__</script>
</head><body>
<h1>__TITLE__</h1>
<div id="js-errors"></div>
<p>Click or hover a point of a timeline (or a cell of the net-openness view) to read the statements behind
it; narrow the list with the filters. Predicted labels come from article-grouped cross-fitting: each
statement was predicted by a model that never saw its article.</p>
<div class="row">
 <label>Task <select id="task"></select></label>
 <label>Actor <select id="actor"></select></label>
 <label>Net openness from <select id="netsource"><option value="gold">gold labels</option>
   <option value="predicted">predicted labels</option></select></label>
</div>
<h2>Over time</h2>
<div id="timeline" class="plot"></div>
<h2>All actors at once: net openness (share open − share rejecting)</h2>
<div id="net" class="plot"></div>
<h2>Statements</h2>
<div class="row">
 <label>Label <select id="f-label"><option value="">any</option></select></label>
 <label>Labels from <select id="f-source"><option value="gold">gold</option><option value="predicted">predicted</option></select></label>
 <label>Period <select id="f-period"><option value="">any</option></select></label>
 <label>Min. confidence <input id="f-conf" type="number" min="0" max="1" step="0.05" value="0"></label>
 <label>Search <input id="f-search" type="search" placeholder="words in the statement"></label>
</div>
<div id="selection" class="meta"></div>
<div id="statements"></div>
<h2>Models</h2>
__FIGURES__
<h2>Results tables</h2>
<div id="report">__REPORT__</div>
<script id="data" type="application/json">__DATA__</script>
<script>
(function(){
var D=JSON.parse(document.getElementById("data").textContent);
var $=function(id){return document.getElementById(id);};
function opt(sel,v,t){var o=document.createElement("option");o.value=v;o.textContent=t;sel.appendChild(o);}
D.tasks.forEach(function(t){opt($("task"),t,t);});
D.actors.forEach(function(a){opt($("actor"),a[0],a[1]);});
var state={task:D.tasks[0],actor:D.actors.length?D.actors[0][0]:"",period:"",label:"",source:"gold"};
function labelsOf(){return D.labels[state.task];}
function fillLabelFilter(){var s=$("f-label");s.innerHTML="";opt(s,"","any");labelsOf().forEach(function(l){opt(s,l,l);});s.value=state.label;}
function periods(){var ps={};D.statements.forEach(function(r){ps[r.p]=1;});return Object.keys(ps).sort();}
periods().forEach(function(p){opt($("f-period"),p,p);});
function eventShapes(){return D.events.map(function(e){return {type:"line",xref:"x",yref:"paper",x0:e[0],x1:e[0],y0:0,y1:1,
  line:{color:"#888",width:1,dash:"dot"}};});}
function eventNotes(){return D.events.map(function(e){return {x:e[0],y:1,yref:"paper",text:e[1],showarrow:false,
  textangle:-90,xanchor:"right",yanchor:"top",font:{size:9,color:"#666"}};});}
function drawTimeline(){
  var rows=D.shares[state.task].filter(function(r){return r.actor===state.actor;});
  var traces=[];
  labelsOf().forEach(function(lab){
    ["gold","predicted"].forEach(function(src){
      var pts=rows.filter(function(r){return r.label===lab&&r.source===src;}).sort(function(a,b){return a.period<b.period?-1:1;});
      if(!pts.length)return;
      var x=pts.map(function(r){return r.period;}),c=D.colours[lab]||"#444";
      traces.push({x:x.concat(x.slice().reverse()),y:pts.map(function(r){return r.hi;}).concat(pts.map(function(r){return r.lo;}).reverse()),
        fill:"toself",fillcolor:c,opacity:src==="gold"?0.12:0.06,line:{width:0},hoverinfo:"skip",showlegend:false,type:"scatter"});
      traces.push({x:x,y:pts.map(function(r){return r.share;}),mode:"lines+markers",name:lab+" ("+src+")",type:"scatter",
        line:{color:c,dash:src==="gold"?"solid":"dash"},marker:{size:7},
        customdata:pts.map(function(r){return [state.actor,r.period,src,lab,r.n];}),
        hovertemplate:lab+" ("+src+")<br>%{x}: %{y:.0%} of %{customdata[4]} statements<extra></extra>"});
    });
  });
  var gd=$("timeline");
  Plotly.react(gd,traces,{width:gd.clientWidth||undefined,margin:{t:20,r:10,l:40,b:40},yaxis:{range:[0,1],tickformat:".0%"},
    legend:{orientation:"h"},shapes:eventShapes(),annotations:eventNotes(),hovermode:"closest"},{responsive:true});
  gd.dataset.traces=String(traces.length);
  gd.dataset.points=String(traces.reduce(function(n,t){return n+(t.customdata?t.customdata.length:0);},0));
  if(!gd.__bound){gd.__bound=true;gd.on("plotly_click",pick);}
}
function drawNet(){
  var src=$("netsource").value,rows=D.shares[state.task].filter(function(r){return r.source===src;});
  var ps=periods(),acts=D.actors.map(function(a){return a[0];}),z=[],text=[];
  acts.forEach(function(a){var zr=[],tr=[];ps.forEach(function(p){
    var cell=rows.filter(function(r){return r.actor===a&&r.period===p;});
    var o=cell.filter(function(r){return r.label==="open";}),j=cell.filter(function(r){return r.label==="rejecting";});
    if(!cell.length||!o.length){zr.push(null);tr.push("");return;}
    var v=o[0].share-(j.length?j[0].share:0);zr.push(v);tr.push(a+" "+p+": "+(v*100).toFixed(0)+" points, n="+o[0].n);});
    z.push(zr);text.push(tr);});
  var gd=$("net");
  Plotly.react(gd,[{type:"heatmap",x:ps,y:D.actors.map(function(a){return a[1];}),z:z,text:text,hoverinfo:"text",
    zmin:-1,zmax:1,colorscale:[[0,"#D55E00"],[0.5,"#f7f7f7"],[1,"#009E73"]],
    customdata:acts.map(function(a){return ps.map(function(p){return [a,p];});})}],
    {width:gd.clientWidth||undefined,margin:{t:10,r:10,l:10,b:40},yaxis:{automargin:true}},{responsive:true});
  gd.dataset.traces="1";
  if(!gd.__bound){gd.__bound=true;gd.on("plotly_click",function(ev){var cd=ev.points[0].customdata;
    select({actor:cd[0],period:cd[1],label:"",source:$("netsource").value});});}
}
function pick(ev){var cd=ev.points[0].customdata;if(!cd)return;select({actor:cd[0],period:cd[1],source:cd[2],label:cd[3]});}
function select(s){for(var k in s)state[k]=s[k];$("actor").value=state.actor;$("f-period").value=state.period;
  $("f-source").value=state.source;fillLabelFilter();renderList();}
function esc(s){return String(s==null?"":s).replace(/[&<>"]/g,function(c){return {"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"}[c];});}
function tag(l){return l?'<span class="tag" style="background:'+(D.colours[l]||"#444")+'">'+esc(l)+"</span>":"–";}
function renderList(){
  var lab=$("f-label").value,src=$("f-source").value,per=$("f-period").value,conf=parseFloat($("f-conf").value)||0,
      q=$("f-search").value.toLowerCase(),t=state.task;
  var rows=D.statements.filter(function(r){var c=r[t]||{};
    if(state.actor&&r.actor!==state.actor)return false; if(per&&r.p!==per)return false;
    if(lab&&(src==="gold"?c.gold:c.pred)!==lab)return false; if(conf>0&&(c.prob==null||c.prob<conf))return false;
    if(q&&r.text.toLowerCase().indexOf(q)<0)return false; return true;});
  $("selection").textContent=rows.length+" statement(s): actor "+(state.actor||"any")+", period "+(per||"any")+
    ", "+src+" label "+(lab||"any")+(conf>0?", confidence ≥ "+conf:"")+(q?', text contains "'+q+'"':"");
  $("statements").innerHTML=rows.slice(0,300).map(function(r){var c=r[t]||{},a=D.articles[r.a]||{};
    var ctx=esc(r.context).replace(esc(r.text),'<span class="text">'+esc(r.text)+"</span>");
    return '<div class="stmt" data-id="'+esc(r.id)+'"><div class="meta">'+esc(r.d)+" · "+esc(r.speaker)+
      (r.actor?" ("+esc(r.actor)+")":"")+" · gold "+tag(c.gold)+" · predicted "+tag(c.pred)+
      (c.prob!=null?" ("+Math.round(c.prob*100)+"%)":"")+"</div><div>"+(ctx.indexOf('class="text"')>=0?ctx:'<span class="text">'+esc(r.text)+"</span>")+
      '</div><div class="meta">'+esc(a.title||r.a)+" "+(a.urls||[]).map(function(u){return '<a href="'+esc(u)+'">source</a>';}).join(" ")+"</div></div>";}).join("")+
    (rows.length>300?'<div class="meta">… '+(rows.length-300)+" more; narrow the filters.</div>":"");
}
$("task").onchange=function(){state.task=this.value;state.label="";fillLabelFilter();drawTimeline();drawNet();renderList();};
$("actor").onchange=function(){state.actor=this.value;drawTimeline();renderList();};
$("netsource").onchange=drawNet;
["f-label","f-source","f-period","f-conf","f-search"].forEach(function(id){$(id).addEventListener("input",function(){
  state.label=$("f-label").value;state.source=$("f-source").value;state.period=$("f-period").value;renderList();});});
fillLabelFilter();drawTimeline();drawNet();
var m=/select=([^&]*)/.exec(decodeURIComponent(location.hash||""));
if(m){var p=m[1].split("|");if(p[0]&&D.tasks.indexOf(p[0])>=0){state.task=p[0];$("task").value=p[0];drawTimeline();drawNet();}
  select({actor:p[1]||"",period:p[2]||"",source:p[3]||"gold",label:p[4]||""});drawTimeline();}
else renderList();
document.body.dataset.ready="1";
})();
</script>
</body></html>
"""
