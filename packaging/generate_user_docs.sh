#!/usr/bin/env bash
# Writes the man pages and the bash and zsh completions of memwrap and its drivers from the
# built binary's own --help texts, so that they can never disagree with it.
# usage: generate_user_docs.sh MEMWRAP_BINARY VERSION OUTDIR
# Writes OUTDIR/man/*.1, OUTDIR/completion/memwrap.bash and OUTDIR/completion/_memwrap.
set -euo pipefail
memwrap=$1
version=$2
out=$3
mkdir -p "$out/man" "$out/completion"

# page  name-in-NAME  how-to-get-the-help  one-line summary
pages=(
  "memwrap|memwrap --help|record where a program's memory goes over time"
  "memwrap-report|memwrap report --help|exact heap peak, its call sites, leaks and totals of a trace"
  "memwrap-diff|memwrap diff --help|compare two traces site by site"
  "memwrap-timeline|memwrap timeline --help|memory of a trace over time"
  "memwrap-check|memwrap check --help|CI gate on peak memory"
  "memwrap-baseline|memwrap baseline --help|store the figures memwrap check compares"
  "memwrap-plot|memwrap plot --help|self-contained HTML report of traces"
  "memwrap-export|memwrap export --help|pprof, Chrome/Perfetto, folded stacks, massif, CSV, JSON lines"
  "memwrap-sys|memwrap sys --help|system-wide memory, CPU, load, network and disk log"
  "fltrec|memwrap fltrec --help|flight recorder: keep the latest records, dump on a trigger"
  "ltracedrv|memwrap ltrace --help|library calls of a program, like ltrace"
  "stracedrv|memwrap strace --help|system calls of a program, like strace"
  "dlogger|memwrap sys --help|system-wide logger (memwrap sys)"
)

# roff: a backslash is \e; a line that begins with . or ' is a request unless escaped.
escape() { sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; }

help_of() {  # "memwrap report --help" -> its text (stdout, or stderr for a bare usage)
  local -a words
  read -r -a words <<<"$1"
  "$memwrap" "${words[@]:1}" 2>&1 || true
}

for page in "${pages[@]}"; do
  IFS='|' read -r name command summary <<<"$page"
  upper=$(tr '[:lower:]' '[:upper:]' <<<"$name")
  {
    echo ".TH $upper 1 \"\" \"memwrap $version\" \"User Commands\""
    echo ".SH NAME"
    echo "$name \\- $summary"
    echo ".SH DESCRIPTION"
    echo "The text below is what \\fB${command% --help} --help\\fR prints."
    echo ".PP"
    echo ".nf"
    help_of "$command" | escape
    echo ".fi"
    echo ".SH SEE ALSO"
    echo "memwrap(1), memwrap-report(1), memwrap-check(1); the documentation in"
    echo "/usr/share/doc/memwrap."
  } >"$out/man/$name.1"
done

# Options of a command: every --long and -s name its help lists.
options_of() { help_of "$1" | grep -oE '(^|[ ,[])--?[a-zA-Z][a-zA-Z0-9-]*' | sed 's/^[ ,[]//' | sort -u | tr '\n' ' '; }

commands="run report diff timeline check baseline plot export fltrec ltrace strace sys help version"
{
  echo "# bash completion for memwrap and its drivers (generated from their --help texts)."
  echo "_memwrap() {"
  echo '  local cur=${COMP_WORDS[COMP_CWORD]} command=run word'
  echo '  case "${COMP_WORDS[0]##*/}" in'
  echo '    stracedrv) command=strace ;; ltracedrv) command=ltrace ;; fltrec) command=fltrec ;;'
  echo '    dlogger|cronlogger) command=sys ;;'
  echo '    *) if ((COMP_CWORD == 1)) && [[ $cur != -* ]]; then'
  echo "         COMPREPLY=(\$(compgen -W \"$commands\" -- \"\$cur\") \$(compgen -c -- \"\$cur\")); return"
  echo '       fi'
  echo '       word=${COMP_WORDS[1]}'
  echo "       case \" $commands \" in *\" \$word \"*) command=\$word ;; esac ;;"
  echo '  esac'
  echo '  if [[ $cur == -* ]]; then'
  echo '    case $command in'
  for command in $commands; do
    case $command in help|version) continue ;; esac
    echo "      $command) COMPREPLY=(\$(compgen -W \"$(options_of "memwrap $command --help")\" -- \"\$cur\")) ;;"
  done
  echo '    esac'
  echo '  else'
  echo '    COMPREPLY=($(compgen -f -- "$cur"))'
  echo '  fi'
  echo "}"
  echo "complete -o filenames -F _memwrap memwrap stracedrv ltracedrv fltrec dlogger cronlogger"
} >"$out/completion/memwrap.bash"

{
  echo "#compdef memwrap stracedrv ltracedrv fltrec dlogger cronlogger"
  echo "# zsh completion for memwrap and its drivers (generated from their --help texts)."
  echo "local command=run"
  echo 'case $service in'
  echo '  stracedrv) command=strace ;; ltracedrv) command=ltrace ;; fltrec) command=fltrec ;;'
  echo '  dlogger|cronlogger) command=sys ;;'
  echo '  *) if (( CURRENT == 2 )) && [[ $PREFIX != -* ]]; then'
  echo "       compadd -- $commands; _command_names -e; return"
  echo '     fi'
  echo "     [[ \" $commands \" == *\" \${words[2]} \"* ]] && command=\${words[2]} ;;"
  echo 'esac'
  echo 'if [[ $PREFIX == -* ]]; then'
  echo '  case $command in'
  for command in $commands; do
    case $command in help|version) continue ;; esac
    echo "    $command) compadd -- $(options_of "memwrap $command --help") ;;"
  done
  echo '  esac'
  echo 'else'
  echo '  _files'
  echo 'fi'
} >"$out/completion/_memwrap"
