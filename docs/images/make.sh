#!/bin/sh
# Regenerate the PNG pictures docs/cli.md shows, from the project root:
#   sh docs/images/make.sh
# Needs rsvg-convert (librsvg). Works in a scratch directory; writes only docs/images/*.png.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
agentstate simulate --policy omnichannel --agents 8 --db floor.sqlite3 --fresh --no-progress \
    > /dev/null
agentstate timeline --db floor.sqlite3 --policy omnichannel -o team.svg 2> /dev/null
agentstate chart --db floor.sqlite3 --policy omnichannel --minutes 30 -o chart.svg 2> /dev/null
agentstate allotments --db floor.sqlite3 --policy omnichannel -o allotments.svg 2> /dev/null
python "$root/examples/shift.py" --svg shift.svg > /dev/null
rsvg-convert team.svg -o "$here/team-timeline.png"
rsvg-convert chart.svg -o "$here/interval-chart.png"
rsvg-convert allotments.svg -o "$here/allotments.png"
rsvg-convert shift.svg -o "$here/shift.png"
echo "written: $here/{team-timeline,interval-chart,allotments,shift}.png"
