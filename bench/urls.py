"""The application's URLs plus the benchmark baselines under /bench/."""

from django.urls import path

from bench.baselines import NaiveClaimList, raw_claim_list
from tracker.urls import urlpatterns as application

urlpatterns = [
    path("bench/naive/claims/", NaiveClaimList.as_view()),
    path("bench/raw/claims/", raw_claim_list),
    *application,
]
